"""Write-off (核销): the conditions a loss-class loan must meet before it may be written off
(admin-editable), the four-eyes proposal that takes it off the book, the off-balance-sheet
record that keeps its balance and the recoveries received after the write-off, and the
four-eyes proposal that brings a written-off loan back onto the book.

Imported by lending/models.py, so Django registers these models with the lending app. The
conditions are read by lending/write_offs.py; the writes are lending/services/write_offs.py.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lending.models import LoanChangeProposal, LoanClass

MONEY = {"max_digits": 18, "decimal_places": 2}


class WriteOffConditions(models.Model):
    """The one row of write-off conditions: how long a loan must have been in the loss class,
    and the recorded recovery efforts it needs (collection contacts with the customer since
    the loan fell past due, or a legal step, which suffices on its own when allowed)."""

    min_days_in_loss = models.PositiveIntegerField(
        _("minimum days in the loss class"),
        default=180,
        help_text=_("Days since the loan was last classified as loss."),
    )
    min_collection_contacts = models.PositiveIntegerField(
        _("minimum collection contacts"),
        default=3,
        help_text=_("Interactions logged with the customer since the loan fell past due."),
    )
    legal_step_suffices = models.BooleanField(
        _("a legal step suffices"),
        default=True,
        help_text=_(
            "A legal action recorded on one of the customer's alerts counts as enough "
            "evidence of recovery efforts, whatever the number of contacts."
        ),
    )
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("write-off conditions")
        verbose_name_plural = _("write-off conditions")
        constraints = [
            # One set of conditions for the whole bank.
            models.CheckConstraint(condition=models.Q(id=1), name="writeoffconditions_one_row"),
        ]

    def __str__(self) -> str:
        return str(_("Write-off conditions"))

    @classmethod
    def current(cls) -> "WriteOffConditions":
        conditions, _created = cls.objects.get_or_create(pk=1)
        return conditions


class WriteOffProposal(LoanChangeProposal):
    """A loss-class loan proposed for write-off, with the reason, the evidence of recovery
    efforts and the balance it would take off the book as proposed (the approval moves the
    balance as it is on the day of the approval)."""

    loan = models.ForeignKey(
        "lending.Loan",
        verbose_name=_("loan"),
        on_delete=models.PROTECT,
        related_name="write_off_proposals",
    )
    evidence = models.TextField(_("evidence of recovery efforts"))
    principal = models.DecimalField(_("principal"), **MONEY)
    interest = models.DecimalField(_("interest"), **MONEY)
    penalty = models.DecimalField(_("penalty interest"), **MONEY)
    # What the conditions read when it was proposed, kept as the proposal's evidence.
    days_in_loss = models.PositiveIntegerField(_("days in the loss class"))
    collection_contacts = models.PositiveIntegerField(_("collection contacts"))
    legal_steps = models.PositiveIntegerField(_("legal steps"))

    class Meta(LoanChangeProposal.Meta):
        verbose_name = _("write-off proposal")
        verbose_name_plural = _("write-off proposals")

    def __str__(self) -> str:
        return f"{self.loan} ({self.status})"

    @property
    def total(self):
        return self.principal + self.interest + self.penalty


class WrittenOffLoan(models.Model):
    """The off-balance-sheet record of a written-off loan: the principal, interest and
    penalty interest it owed when it left the book, and what has been recovered since.
    Reversed when the loan is brought back onto the book (the record stays, dated)."""

    loan = models.ForeignKey(
        "lending.Loan",
        verbose_name=_("loan"),
        on_delete=models.PROTECT,
        related_name="write_offs",
    )
    proposal = models.OneToOneField(
        WriteOffProposal,
        verbose_name=_("proposal"),
        on_delete=models.PROTECT,
        related_name="record",
    )
    written_off_on = models.DateField(_("written off on"))
    loan_class = models.SmallIntegerField(
        _("class when written off"), choices=LoanClass.choices, default=LoanClass.LOSS
    )
    principal = models.DecimalField(_("principal"), **MONEY)
    interest = models.DecimalField(_("interest"), **MONEY)
    penalty = models.DecimalField(_("penalty interest"), **MONEY)
    # Kept by the recovery service in the same transaction as each recovery row.
    recovered = models.DecimalField(_("recovered"), **MONEY, default=0)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reversed_on = models.DateField(_("reversed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("written-off loan")
        verbose_name_plural = _("written-off loans")
        ordering = ["-written_off_on", "-id"]
        constraints = [
            # A loan is off the book once at a time: a second live record is refused.
            models.UniqueConstraint(
                fields=["loan"],
                condition=models.Q(reversed_on__isnull=True),
                name="writtenoffloan_one_live",
            ),
            models.CheckConstraint(
                condition=models.Q(principal__gte=0, interest__gte=0, penalty__gte=0)
                & models.Q(recovered__gte=0),
                name="writtenoffloan_amounts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan} {self.written_off_on}"

    @property
    def total(self):
        return self.principal + self.interest + self.penalty

    @property
    def remaining(self):
        """What is still owed off the book."""
        return max(self.total - self.recovered, 0)

    @property
    def is_live(self) -> bool:
        return self.reversed_on is None


class WriteOffRecovery(models.Model):
    """Money received on a written-off loan (a receipt: recorded by one person, audited)."""

    record = models.ForeignKey(
        WrittenOffLoan,
        verbose_name=_("written-off loan"),
        on_delete=models.PROTECT,
        related_name="recoveries",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("reference"), max_length=50)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("recovery after write-off")
        verbose_name_plural = _("recoveries after write-off")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="writeoffrecovery_positive"
            ),
            # A receipt entered twice (the same bank reference) is one receipt.
            models.UniqueConstraint(
                fields=["record", "reference"], name="writeoffrecovery_one_per_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record} {self.amount} {self.received_on}"


class WriteOffReversalProposal(LoanChangeProposal):
    """Bringing a written-off loan back onto the book (a write-off made in error): proposed
    by one person, in force when another approves it."""

    loan = models.ForeignKey(
        "lending.Loan",
        verbose_name=_("loan"),
        on_delete=models.PROTECT,
        related_name="write_off_reversal_proposals",
    )
    record = models.ForeignKey(
        WrittenOffLoan,
        verbose_name=_("written-off loan"),
        on_delete=models.PROTECT,
        related_name="reversal_proposals",
    )

    class Meta(LoanChangeProposal.Meta):
        verbose_name = _("write-off reversal proposal")
        verbose_name_plural = _("write-off reversal proposals")

    def __str__(self) -> str:
        return f"{self.loan} ({self.status})"
