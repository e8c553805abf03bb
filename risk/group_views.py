"""The customer group page: members, combined exposure and limits, classes, alerts, a graph."""

from django.shortcuts import render

from customers.group_forms import GroupMemberForm
from customers.policies import may_manage_groups
from risk import relations


def group_detail(request, pk: int):
    group = relations.group_get_for(request.user, pk)
    picture = relations.group_picture(group, request.user)
    return render(
        request,
        "risk/group_detail.html",
        {
            "picture": picture,
            "group": group,
            "graph": relations.group_graph(picture),
            "can_manage": may_manage_groups(request.user),
            "member_form": GroupMemberForm(user=request.user),
        },
    )
