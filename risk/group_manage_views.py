"""Pages where credit management keeps its customer groups: the list, a new group, its name
and group limit, its members (customers.policies.may_manage_groups).

A group is seen by whoever sees one of its members and by its creator (risk.relations.
groups_for); anything else is a 404. A member is added or removed only if the user sees that
customer. The writes go through customers.relation_services, which audit them.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import apply_service_errors, refusal_status
from customers import relation_services
from customers.group_forms import GroupForm, GroupMemberForm
from customers.policies import may_manage_groups
from customers.relations import CustomerGroupMember
from customers.selectors import customer_list_for
from risk import relations

GROUPS_PER_PAGE = 50


def _require_manager(user) -> None:
    if not may_manage_groups(user):
        raise PermissionDenied


def group_list(request):
    groups = relations.groups_for(request.user).annotate(member_count=Count("members"))
    page = Paginator(groups.order_by("name", "pk"), GROUPS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "risk/group_list.html",
        {"page": page, "can_manage": may_manage_groups(request.user)},
    )


def _group_form_page(request, form, *, group=None):
    title = _("Edit the group") if group else _("New customer group")
    return render(
        request,
        "risk/group_form.html",
        {"form": form, "group": group, "title": title},
        status=refusal_status(request),
    )


def group_create(request):
    _require_manager(request.user)
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = relation_services.group_save(actor=request.user, group=form.instance)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Group created. Add its members."))
            return redirect("risk:group-detail", pk=group.pk)
    return _group_form_page(request, form)


def group_edit(request, pk: int):
    group = relations.group_get_for(request.user, pk)
    _require_manager(request.user)
    form = GroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        try:
            relation_services.group_save(actor=request.user, group=form.instance)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Group saved."))
            return redirect("risk:group-detail", pk=group.pk)
    return _group_form_page(request, form, group=group)


def group_member_add(request, pk: int):
    group = relations.group_get_for(request.user, pk)
    _require_manager(request.user)
    form = GroupMemberForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            relation_services.group_member_add(
                actor=request.user, group=group, customer=form.cleaned_data["customer"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Member added."))
            return redirect("risk:group-detail", pk=group.pk)
    return render(
        request,
        "risk/group_form.html",
        {"form": form, "group": group, "title": _("Add a member")},
        status=refusal_status(request),
    )


@require_POST
def group_member_remove(request, pk: int, customer_pk: int):
    group = relations.group_get_for(request.user, pk)
    member = (
        CustomerGroupMember.objects.filter(
            group=group, customer__in=customer_list_for(request.user).values("pk")
        )
        .filter(customer_id=customer_pk)
        .first()
    )
    if member is None:
        raise Http404
    _require_manager(request.user)
    relation_services.group_member_remove(actor=request.user, member=member)
    messages.success(request, _("Member removed."))
    return redirect("risk:group-detail", pk=group.pk)
