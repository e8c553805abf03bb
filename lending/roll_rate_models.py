"""The month-end record behind the collections page's roll rates (issue 24): each loan on the
book at a month's end with its days past due and balance then, kept by the nightly on the
last day of the month (lending.services.roll_rates). Imported by lending/models.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from lending.models import Loan, money


class LoanMonthEnd(models.Model):
    """One loan at one month's end: active, or written off during that month."""

    as_of = models.DateField(_("month end"))
    loan = models.ForeignKey(
        Loan, verbose_name=_("loan"), on_delete=models.CASCADE, related_name="month_ends"
    )
    # The loan's customer, kept on the row: the nightly's chunks and the page's scope read it.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # A code of lending.collections.ROLL_TO (never "repaid": a repaid loan has no row).
    bucket = models.CharField(_("bucket"), max_length=12)
    dpd = models.IntegerField(_("days past due"))
    # The outstanding principal; for a loan written off in the month, what was written off.
    balance = money(_("balance"))

    class Meta:
        verbose_name = _("loan at month end")
        verbose_name_plural = _("loans at month end")
        constraints = [
            models.UniqueConstraint(fields=["as_of", "loan"], name="loan_month_end_once"),
        ]
        indexes = [
            models.Index(fields=["customer", "as_of"], name="loan_month_end_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.as_of} {self.bucket}"
