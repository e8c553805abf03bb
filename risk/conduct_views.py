"""The conduct alert page: what a reviewer reads and closes (risk.conduct)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.forms import apply_service_errors
from risk import conduct
from risk.forms import ConductCloseForm
from risk.models import ConductAlertStatus
from risk.policies import may_close_conduct_alert


def conduct_alert(request, pk: int):
    """GET shows the alert with the form to close it; a POST that does not close it comes
    back with the reason next to the field (400)."""
    alert = conduct.conduct_alert_get_for(request.user, pk)
    form = ConductCloseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                conduct.conduct_alert_close(
                    actor=request.user, alert=alert, note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                apply_service_errors(form, error)
                # Closed meanwhile by someone else: the page shows it as it now stands.
                alert = conduct.conduct_alert_get_for(request.user, pk)
            else:
                messages.success(request, _("Conduct alert closed."))
                return redirect("today")
    return render(
        request,
        "risk/conduct_alert.html",
        {
            "alert": alert,
            "form": form,
            "can_close": alert.status == ConductAlertStatus.OPEN
            and may_close_conduct_alert(request.user, alert),
        },
        status=status,
    )
