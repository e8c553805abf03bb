"""Collections (催收, issue 24 part 1): the stages a past-due loan's case moves through (edited
in admin), the cases the nightly step opens, moves and closes (lending/services/collections.py),
the contact attempts made on them (each one also a customer interaction) and the promises to
pay. Imported by lending/models.py."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from lending import collections
from lending.models import Loan, money


class CollectionStage(models.Model):
    """A band of days past due and the work it calls for; a stage runs from its `from_days`
    up to the day before the next stage's. Seeded by lending migration 0009."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    from_days = models.PositiveSmallIntegerField(
        _("from days past due"),
        unique=True,
        validators=[MinValueValidator(1)],
        help_text=_("A case enters this stage on this day past due."),
    )
    work = models.CharField(_("work to do"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("collection stage")
        verbose_name_plural = _("collection stages")
        ordering = ["from_days"]

    def __str__(self) -> str:
        # Seeded names read in the user's language (crm_site/reference_texts.py).
        return gettext(self.name)


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    # "Closed" alone is the column of the time an item was closed (关闭时间).
    CLOSED = "closed", pgettext_lazy("status", "Closed")


class CloseReason(models.TextChoices):
    CURED = "cured", _("Cured: no longer past due")
    WRITTEN_OFF = "written_off", _("Written off")
    REPAID = "repaid", _("Repaid")


class CollectionCase(models.Model):
    loan = models.ForeignKey(
        Loan, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="collection_cases"
    )
    # The loan's customer, kept on the case: the chunks, the scope and the rule read it.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="collection_cases",
    )
    stage = models.ForeignKey(
        CollectionStage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    close_reason = models.CharField(
        _("closed because"), max_length=12, choices=CloseReason.choices, blank=True
    )
    opened_on = models.DateField(_("opened"))
    stage_since = models.DateField(_("in this stage since"))
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    # The oldest unpaid instalment's due date: the days past due are counted from it on the
    # day they are read, so the night does not rewrite every open case to add a day.
    overdue_since = models.DateField(_("past due since"))
    amount_overdue = money(_("amount overdue"))
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collector"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collection_cases",
    )

    class Meta:
        verbose_name = _("collection case")
        verbose_name_plural = _("collection cases")
        ordering = ["-opened_on", "-id"]
        constraints = [
            # One open case per loan: a second night, or two overlapping chunks, open none.
            models.UniqueConstraint(
                fields=["loan"],
                condition=models.Q(status="open"),
                name="collection_case_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="collection_case_customer"),
            models.Index(fields=["collector", "status"], name="collection_case_collector"),
        ]

    def __str__(self) -> str:
        return f"{self.loan.account_number} {self.opened_on:%Y-%m-%d}"

    def dpd_on(self, on) -> int:
        if self.status != CaseStatus.OPEN:
            return 0
        return (on - self.overdue_since).days

    def priority_on(self, on):
        return collections.priority(self.amount_overdue, self.dpd_on(on))


class ContactResult(models.TextChoices):
    REACHED = collections.REACHED, _("Reached")
    NO_ANSWER = collections.NO_ANSWER, _("No answer")
    PROMISED = collections.PROMISED, _("Promised to pay")
    REFUSED = collections.REFUSED, _("Refused to pay")
    WRONG_NUMBER = collections.WRONG_NUMBER, _("Wrong number")


class CollectionContact(models.Model):
    """A contact attempt on a case; the customer's timeline shows it as its interaction."""

    case = models.ForeignKey(
        CollectionCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="contacts"
    )
    interaction = models.OneToOneField(
        "customers.Interaction",
        verbose_name=_("interaction"),
        on_delete=models.PROTECT,
        related_name="collection_contact",
    )
    result = models.CharField(_("result"), max_length=12, choices=ContactResult.choices)

    class Meta:
        verbose_name = _("collection contact")
        verbose_name_plural = _("collection contacts")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.result}"


class PromiseStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the date")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")


class PromiseToPay(models.Model):
    case = models.ForeignKey(
        CollectionCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="promises"
    )
    amount = money(_("amount promised"))
    promised_on = models.DateField(_("to be paid by"))
    # The business date it was made: payments from that day to the promised date count.
    made_on = models.DateField(_("promised on"))
    status = models.CharField(
        _("status"), max_length=8, choices=PromiseStatus.choices, default=PromiseStatus.OPEN
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ["-promised_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="promise_positive"),
        ]
        indexes = [models.Index(fields=["promised_on"], name="promise_by_date")]

    def __str__(self) -> str:
        return f"{self.amount} by {self.promised_on}"
