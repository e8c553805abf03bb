"""A customer's payment reminders: what was sent (or waits for the end of the quiet hours),
the language they are written in, and the opt-outs per channel, which the people who talk
with the customer record or take back. Scope first (404 for a customer the user may not
see); bad input answers 400 with the reason next to the field and changes nothing."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import apply_service_errors
from customers.selectors import customer_get_for
from lending import policies
from lending.reminder_forms import ReminderOptOutForm
from lending.reminder_models import ReminderChannel, ReminderSettings
from lending.services import reminders as reminder_services

PAGE_SIZE = 50


def _page(request, customer, form, status=200):
    opted_out = {
        opt_out.channel: opt_out
        for opt_out in customer.reminder_opt_outs.select_related("recorded_by")
    }
    return render(
        request,
        "lending/customer_reminders.html",
        {
            "customer": customer,
            "channels": [
                (value, label, opted_out.get(value)) for value, label in ReminderChannel.choices
            ],
            "reminders": list(customer.payment_reminders.select_related("loan")[:PAGE_SIZE]),
            "reminder_settings": ReminderSettings.current(),
            "can_record": policies.may_record_reminder_opt_out(request.user),
            "form": form,
        },
        status=status,
    )


def customer_reminders(request, customer_pk: int):
    customer = customer_get_for(request.user, customer_pk)
    return _page(request, customer, ReminderOptOutForm())


@require_POST
def customer_reminder_opt_out(request, customer_pk: int):
    """Opts the customer out of a channel, or back in (`choice`: "out" or "in")."""
    customer = customer_get_for(request.user, customer_pk)
    if not policies.may_record_reminder_opt_out(request.user):
        raise PermissionDenied
    form = ReminderOptOutForm(request.POST)
    if form.is_valid():
        channel = form.cleaned_data["channel"]
        try:
            if form.cleaned_data["choice"] == ReminderOptOutForm.OUT:
                reminder_services.reminder_opt_out(
                    actor=request.user, customer=customer, channel=channel
                )
                messages.success(request, _("Opt-out recorded: no reminders on this channel."))
            else:
                reminder_services.reminder_opt_in(
                    actor=request.user, customer=customer, channel=channel
                )
                messages.success(request, _("Reminders go on this channel again."))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect("lending:customer-reminders", customer_pk=customer.pk)
    return _page(request, customer, form, status=400)
