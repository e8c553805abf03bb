import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.copied_columns import copied_reference
from customers.models import Customer, Industry, RiskLevel

# One lifecycle for every four-eyes proposal, on loans and on their classification alike.
# The five classes are the loan's (the loan list filters by them); this app assigns them.
from lending.models import Loan, LoanClass, ProposalStatus
from risk import job_labels


class LoanRisk(models.Model):
    """The risk state of one loan, maintained by the nightly recompute (set-based SQL).
    `automatic_class` is what the rules give; `final_class` applies a live override."""

    loan = models.OneToOneField(
        Loan, primary_key=True, on_delete=models.CASCADE, related_name="risk"
    )
    # Indexed by loanrisk_customer (Meta.indexes), which the queries name: the key's own index
    # would be a second copy of it, written by every row the nightly changes.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="loan_risks", db_index=False
    )
    dpd = models.IntegerField(_("days past due"), default=0)
    # The due date of the oldest unpaid instalment of an active loan: the nightly job counts
    # the days past due from it without recomputing the loan (risk.recompute.AGE_PAST_DUE).
    overdue_since = models.DateField(_("past due since"), null=True, blank=True)
    overdue_instalments = models.IntegerField(_("overdue instalments"), default=0)
    automatic_class = models.SmallIntegerField(
        _("automatic class"), choices=LoanClass.choices, default=LoanClass.NORMAL
    )
    override_class = models.SmallIntegerField(
        _("override"), choices=LoanClass.choices, null=True, blank=True
    )
    override_reason = models.TextField(_("override reason"), blank=True)
    override_until = models.DateField(_("override expires"), null=True, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    final_class = models.SmallIntegerField(
        _("class"), choices=LoanClass.choices, default=LoanClass.NORMAL
    )
    computed_on = models.DateField(_("computed for"), null=True, blank=True)

    class Meta:
        verbose_name = _("loan risk")
        verbose_name_plural = _("loan risks")
        indexes = [
            models.Index(fields=["final_class"], name="loanrisk_class"),
            models.Index(fields=["customer"], name="loanrisk_customer"),
            # The past-due loans whose days the nightly job moves on (AGE_PAST_DUE).
            models.Index(
                fields=["customer"],
                condition=models.Q(overdue_since__isnull=False),
                name="loanrisk_past_due",
            ),
            # Past-due loans by the date they are past due since (the calendar's thresholds).
            models.Index(
                fields=["overdue_since"],
                condition=models.Q(overdue_since__isnull=False),
                name="loanrisk_past_due_since",
            ),
            # Overrides ending: the calendar marks their customers (risk.pending).
            models.Index(
                fields=["override_until"],
                condition=models.Q(override_class__isnull=False),
                name="loanrisk_override_ends",
            ),
            # The loans that are anything but up to date and normal, by customer: the risk
            # levels and the contagion's distress read these few instead of every risk row
            # of a nightly chunk (risk.recompute.LOAN_RISK_OF_NOTE states the same condition).
            models.Index(
                fields=["customer"],
                condition=models.Q(dpd__gt=0) | models.Q(final_class__gt=LoanClass.NORMAL),
                name="loanrisk_of_note",
            ),
        ]
        constraints = [
            # An override is a judgement reviewed with the quarterly classification: it always
            # ends (risk.classification.OVERRIDE_MAX_MONTHS bounds how far ahead).
            models.CheckConstraint(
                condition=models.Q(override_class__isnull=True)
                | models.Q(override_until__isnull=False),
                name="loanrisk_override_has_an_end",
            ),
            # What the nightly writes (risk.recompute.CLASSIFY): days and instalments counted
            # from the oldest unpaid instalment past due (none: 0), classes of the five tiers.
            models.CheckConstraint(
                condition=models.Q(dpd__gte=0), name="loanrisk_dpd_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(overdue_instalments__gte=0),
                name="loanrisk_overdue_instalments_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    automatic_class__in=LoanClass.values, final_class__in=LoanClass.values
                )
                & (
                    models.Q(override_class__isnull=True)
                    | models.Q(override_class__in=LoanClass.values)
                ),
                name="loanrisk_classes_of_the_five_tiers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id}: {self.get_final_class_display()}"


class ClassificationProposal(models.Model):
    """An override that would lower a loan's recorded risk (a better class, or the end of an
    override that holds the loan in a worse one): one manager or risk officer proposes it,
    another approves it, and only then does it take effect (maker-checker). An override
    that raises the risk takes effect at once and needs no proposal."""

    loan_risk = models.ForeignKey(LoanRisk, on_delete=models.CASCADE, related_name="proposals")
    # Empty: end the override, back to the automatic class.
    loan_class = models.SmallIntegerField(
        _("proposed class"), choices=LoanClass.choices, null=True, blank=True
    )
    reason = models.TextField(_("reason"))
    until = models.DateField(_("override expires"), null=True, blank=True)
    class_before = models.SmallIntegerField(_("class when proposed"), choices=LoanClass.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("classification proposal")
        verbose_name_plural = _("classification proposals")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            # One proposal waits per loan at a time: a form sent twice cannot make two.
            models.UniqueConstraint(
                fields=["loan_risk"],
                condition=models.Q(status="pending"),
                name="classificationproposal_one_pending",
            ),
            # Four eyes: whoever decides a proposal is not whoever made it (the maker may
            # only withdraw it).
            models.CheckConstraint(
                condition=models.Q(status="withdrawn")
                | ~models.Q(decided_by=models.F("proposed_by")),
                name="classificationproposal_four_eyes",
            ),
            # A new class comes with its end; ending the override has neither.
            models.CheckConstraint(
                condition=models.Q(loan_class__isnull=True, until__isnull=True)
                | models.Q(loan_class__isnull=False, until__isnull=False),
                name="classificationproposal_class_has_an_end",
            ),
        ]
        indexes = [
            # The proposals waiting in a scope, oldest first (the risk page).
            models.Index(
                fields=["proposed_at"],
                condition=models.Q(status="pending"),
                name="classificationproposal_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_risk_id}: {self.get_loan_class_display() or '-'} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == ProposalStatus.PENDING


class HistoryKind(models.TextChoices):
    SCORE = "score", _("Score")
    GRADE = "grade", _("Grade")
    RISK_LEVEL = "risk_level", _("Risk level")
    CLASSIFICATION = "classification", _("Classification")


class RiskHistory(models.Model):
    """Every change of score, grade, risk level and classification, as a dated row, so
    migration matrices between two dates can be drawn."""

    kind = models.CharField(max_length=15, choices=HistoryKind.choices)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="risk_history")
    loan = models.ForeignKey(
        Loan, on_delete=models.CASCADE, null=True, blank=True, related_name="risk_history"
    )
    changed_on = models.DateField()
    old_value = models.CharField(max_length=20, blank=True)
    new_value = models.CharField(max_length=20)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("risk history")
        verbose_name_plural = _("risk history")
        ordering = ["-changed_on", "-id"]
        indexes = [
            # The default order (admin's changelist): newest first from the index.
            models.Index(fields=["-changed_on", "-id"], name="history_recent"),
            models.Index(fields=["kind", "customer", "changed_on"], name="history_customer"),
            models.Index(fields=["kind", "loan", "changed_on"], name="history_loan"),
            models.Index(fields=["kind", "changed_on"], name="history_by_date"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.old_value}→{self.new_value} {self.changed_on}"

    def value_label(self, value: str) -> str:
        """A stored value as people read it: risk levels and classes are kept as their codes
        ("medium", "5") so the migration matrices can group them; pages show the choice's
        label in the reader's language (中, 损失). Scores and grades read as they are."""
        choices = {
            HistoryKind.RISK_LEVEL: RiskLevel,
            HistoryKind.CLASSIFICATION: LoanClass,
        }.get(self.kind)
        if choices is None or value == "":
            return value
        try:
            return str(choices(int(value) if choices is LoanClass else value).label)
        except ValueError:
            # A value written before the choices changed is shown as stored.
            return value

    @property
    def old_value_label(self) -> str:
        return self.value_label(self.old_value)

    @property
    def new_value_label(self) -> str:
        return self.value_label(self.new_value)


class Severity(models.TextChoices):
    YELLOW = "yellow", _("Yellow")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")


class RiskType(models.TextChoices):
    CREDIT = "credit", _("Credit")
    INDUSTRY = "industry", _("Industry")
    MARKET = "market", _("Market")
    OPERATIONAL = "operational", _("Operational")
    LEGAL = "legal", _("Legal")


class EarlyWarningRule(models.Model):
    """One computable indicator of the catalogue; `code` names its set-based query in
    risk/rules.py, the rest is data admins tune."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    # Which set-based query of risk/rules.py measures it; several rules may share one
    # (DPD past 1, 30, 60 and 90 days are four rules over the same indicator).
    indicator = models.CharField(_("indicator"), max_length=40)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    threshold = models.DecimalField(
        _("threshold"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    risk_type = models.CharField(_("risk type"), max_length=12, choices=RiskType.choices)
    suggested_response = models.CharField(_("suggested response"), max_length=300)
    sla_hours = models.PositiveIntegerField(_("hours to acknowledge"), default=48)
    auto_resolve = models.BooleanField(
        _("resolve when the condition clears"),
        default=False,
        help_text=_("Otherwise the alert stays open, noted as cleared, for the officer."),
    )

    class Meta:
        verbose_name = _("early-warning rule")
        verbose_name_plural = _("early-warning rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return gettext(self.name)


class SignalKind(models.TextChoices):
    LAWSUIT = "lawsuit", _("Lawsuit")
    NEGATIVE_NEWS = "negative_news", _("Negative news")
    OWNERSHIP_CHANGE = "ownership_change", _("Ownership change")
    COVENANT_BREACH = "covenant_breach", _("Covenant breach")


class ManualSignal(models.Model):
    """A fact an officer or risk officer learned (a lawsuit, a breach…); the scan turns
    active signals into alerts through the catalogue's rules."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="signals"
    )
    kind = models.CharField(_("signal"), max_length=20, choices=SignalKind.choices)
    note = models.TextField(_("what happened"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("manual signal")
        verbose_name_plural = _("manual signals")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.customer}"


class IndustryWatch(models.Model):
    """An industry placed on the watch list; its customers raise the industry rule."""

    industry = models.OneToOneField(
        Industry, verbose_name=_("industry"), on_delete=models.CASCADE, related_name="watch"
    )
    reason = models.CharField(_("reason"), max_length=300)
    since = models.DateField(_("since"), default=timezone.localdate)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("industry on the watch list")
        verbose_name_plural = _("industry watch list")

    def __str__(self) -> str:
        return str(self.industry)


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


ACTIVE_ALERT_STATUSES = ["open", "acknowledged", "in_progress"]


class Alert(models.Model):
    rule = models.ForeignKey(
        EarlyWarningRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="alerts"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="alerts"
    )
    loan = models.ForeignKey(
        Loan,
        verbose_name=_("loan"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
    )
    # "loan:12" or "customer:5": what the alert is about, for the one-open-alert rule.
    subject = models.CharField(max_length=40)
    # The rule's indicator, copied when the alert is raised: the rules of one indicator are a
    # ladder (dpd past 1, 30, 60, 90 days), and one active alert per (indicator, subject)
    # climbs and descends it, moving from rule to rule (risk.recompute.SCAN).
    indicator = models.CharField(_("indicator"), max_length=40, default="", editable=False)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    risk_type = models.CharField(_("risk type"), max_length=12, choices=RiskType.choices)
    value = models.CharField(_("value"), max_length=100)
    # The business date of the scan that found the value: when the alert was raised, or when a
    # later scan found a different value (it writes only then, so an unchanged alert is not
    # rewritten; every scan since found the same). What it was raised with stays below.
    value_on = models.DateField(_("value as of"), null=True, blank=True)
    raised_value = models.CharField(_("value when raised"), max_length=100, blank=True)
    raised_on = models.DateField(_("raised for business date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=15, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    cleared_at = models.DateTimeField(_("condition cleared"), null=True, blank=True)
    sla_due_at = models.DateTimeField(_("acknowledge by"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_reason = models.TextField(_("resolution or reason"), blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The customer's officer and branch now (not the assignee, who stays the officer the
    # alert was raised for), kept equal to the customer's by database triggers
    # (risk.alert_scope): who may see the alert, and an index for each list's first page.
    customer_officer = copied_reference(settings.AUTH_USER_MODEL, db_index=True)
    customer_branch = copied_reference("accounts.Branch", db_index=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at", "-id"]
        constraints = [
            # One open alert per (indicator, subject), whichever rule of the indicator's
            # ladder it stands on: the scan upserts against this index, so two scans at once
            # can never raise the same alert twice.
            models.UniqueConstraint(
                fields=["indicator", "subject"],
                condition=models.Q(status__in=["open", "acknowledged", "in_progress"]),
                name="alert_one_open_per_indicator_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status"], name="alert_by_assignee"),
            # The default order (admin's changelist): newest first from the index.
            models.Index(fields=["-raised_at", "-id"], name="alert_recent"),
            models.Index(fields=["status", "sla_due_at"], name="alert_sla"),
            models.Index(fields=["customer", "status"], name="alert_by_customer"),
            # The alert list's first page, most urgent first: an officer's, a branch's, the bank's.
            models.Index(
                fields=["customer_officer", "sla_due_at"],
                condition=models.Q(status__in=["open", "acknowledged", "in_progress"]),
                name="alert_open_by_officer",
            ),
            models.Index(
                fields=["customer_branch", "sla_due_at"],
                condition=models.Q(status__in=["open", "acknowledged", "in_progress"]),
                name="alert_open_by_branch",
            ),
            models.Index(
                fields=["sla_due_at"],
                condition=models.Q(status__in=["open", "acknowledged", "in_progress"]),
                name="alert_open_by_sla",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule.name}: {self.customer}"

    def save(self, *args, **kwargs):
        # The scan writes the indicator itself; an alert written through the ORM takes it
        # from its rule the same way, so the one-per-indicator index holds for it too.
        if not self.indicator and self.rule_id:
            self.indicator = self.rule.indicator
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_ALERT_STATUSES

    def shown_value(self, on: dt.date | None = None) -> str:
        """The value as people read it, with its unit and date (risk.alert_values). Rules
        counting days store the date they count from or to (see risk.rules), so an open alert
        is not rewritten every night; the days are counted here, on the business date."""
        return self._shown(self.value, on)

    def raised_shown_value(self) -> str:
        """The value the alert was raised with, as it read on the day it was raised."""
        return self._shown(self.raised_value, self.raised_on) if self.raised_value else ""

    def _shown(self, value: str, on: dt.date | None) -> str:
        from core.business_date import business_date
        from risk.alert_values import format_value

        indicator = self.indicator or self.rule.indicator
        return format_value(indicator, value, on=on or business_date())


class ResponseAction(models.TextChoices):
    CLOSER_CONTACT = "closer_contact", _("Closer contact")
    POLICY_ADJUSTMENT = "policy_adjustment", _("Policy adjustment")
    EXTRA_COLLATERAL = "extra_collateral", _("Extra collateral")
    COLLECTIONS = "collections", _("Collections")
    RESTRUCTURING = "restructuring", _("Restructuring")
    ASSET_PRESERVATION = "asset_preservation", _("Asset preservation")
    LEGAL = "legal", _("Legal action")
    # Freezes every active credit facility of the customer (lending.services.facilities):
    # nothing more is drawn until a manager other than whoever froze it lifts the freeze.
    FREEZE_LIMIT = "freeze_limit", _("Freeze the limit")


# The reasons the system closes alerts with (the scan, risk.recompute.SCAN; the ladder's
# merge, migration 0018), stored in English and translated when shown.
SYSTEM_CLOSE_REASONS = (
    gettext_noop("The condition cleared."),
    gettext_noop("Merged into the ladder."),
)


class AlertEvent(models.TextChoices):
    """What happened to an alert besides the responses: the history rows the scan writes when
    the alert climbs or descends its indicator's ladder or its rule's severity is edited, the
    assignments, and the merge of the duplicates the ladder replaced."""

    STEPPED_UP = "stepped_up", _("Severity raised")
    STEPPED_DOWN = "stepped_down", _("Severity lowered")
    ASSIGNED = "assigned", _("Assigned")
    MERGED = "merged", _("Merged into the ladder")
    # The alert's rule had its severity edited (risk.rule_severity).
    RULE_SEVERITY = "rule_severity", _("Severity changed with its rule")


class AlertAction(models.Model):
    """The alert's history: a response, linked to the interaction or follow-up that carried it
    out, or an event (AlertEvent): a step on the ladder (rule and severity before and after,
    the measure then, the status when the step reopened it), an assignment (to whom, with the
    note), a merge."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(
        _("response"), max_length=20, choices=[*ResponseAction.choices, *AlertEvent.choices]
    )
    note = models.TextField(_("note"), blank=True)
    interaction = models.ForeignKey(
        "customers.Interaction",
        verbose_name=_("interaction"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alert_actions",
    )
    follow_up = models.ForeignKey(
        "customers.FollowUp",
        verbose_name=_("follow-up"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alert_actions",
    )
    # Nobody for the scan's steps.
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    taken_at = models.DateTimeField(default=timezone.now)
    # A step or a merge: the rule (and its severity) before and after.
    rule_before = models.ForeignKey(
        EarlyWarningRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rule_after = models.ForeignKey(
        EarlyWarningRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    severity_before = models.CharField(max_length=10, choices=Severity.choices, blank=True)
    severity_after = models.CharField(max_length=10, choices=Severity.choices, blank=True)
    # A step: what the indicator measured (days past due, instalments missed) and the
    # business date of the scan that found it.
    measure = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    business_date = models.DateField(null=True, blank=True)
    # A step that moved the alert's status: an acknowledged alert climbing is open again, to
    # be acknowledged by its new deadline (risk.recompute.SCAN). Blank when the status stayed.
    # Defaults in the database too: the scan and the other set-based writers of this table
    # name only the columns they fill.
    status_before = models.CharField(
        max_length=15, choices=AlertStatus.choices, blank=True, db_default=""
    )
    status_after = models.CharField(
        max_length=15, choices=AlertStatus.choices, blank=True, db_default=""
    )
    # An assignment: to whom.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("response action")
        verbose_name_plural = _("response actions")
        ordering = ["taken_at", "id"]

    def __str__(self) -> str:
        return self.get_action_display()


class RiskLevelPolicy(models.Model):
    """How a customer's risk level follows from grade, days past due, classification and
    open alerts (one row, edited in admin). The first condition met decides: high, then
    medium, else low; a customer never assessed is `unassessed_level` at best."""

    high_grade_from = models.CharField(_("high risk from grade"), max_length=4, default="CCC")
    medium_grade_from = models.CharField(_("medium risk from grade"), max_length=4, default="BB")
    high_dpd_over = models.PositiveIntegerField(_("high risk above DPD"), default=90)
    medium_dpd_over = models.PositiveIntegerField(_("medium risk above DPD"), default=0)
    high_class_from = models.SmallIntegerField(
        _("high risk from class"), choices=LoanClass.choices, default=LoanClass.SUBSTANDARD
    )
    medium_class_from = models.SmallIntegerField(
        _("medium risk from class"), choices=LoanClass.choices, default=LoanClass.SPECIAL_MENTION
    )
    high_alert_severity = models.CharField(
        _("high risk with an open alert of"),
        max_length=10,
        choices=Severity.choices,
        default=Severity.RED,
    )
    medium_alert_severity = models.CharField(
        _("medium risk with an open alert of"),
        max_length=10,
        choices=Severity.choices,
        default=Severity.ORANGE,
    )
    unassessed_level = models.CharField(
        _("level of a customer never assessed"), max_length=10, default="medium"
    )

    class Meta:
        verbose_name = _("risk-level policy")
        verbose_name_plural = _("risk-level policy")

    def __str__(self) -> str:
        return str(_("Risk-level policy"))


class RiskLevelStrategy(models.Model):
    """What each risk level means for the relationship (shown on the customer 360)."""

    risk_level = models.CharField(_("risk level"), max_length=10, unique=True)
    pricing = models.CharField(_("pricing"), max_length=300)
    collateral = models.CharField(_("collateral"), max_length=300)
    monitoring = models.CharField(_("monitoring"), max_length=300)

    class Meta:
        verbose_name = _("risk-level strategy")
        verbose_name_plural = _("risk-level strategies")

    def __str__(self) -> str:
        # The level is stored as its code ("medium"); people read its label (中).
        try:
            return str(RiskLevel(self.risk_level).label)
        except ValueError:
            return self.risk_level


class JobRunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    # Ended by an operator (manage.py risk_runs release), with the reason in `note`.
    RELEASED = "released", _("released")


class JobRunner(models.TextChoices):
    """How a run executes, which decides how risk.jobs tells a live run from a dead one."""

    SYNC = "sync", _("one process")
    CELERY = "celery", _("Celery workers")


class JobRun(models.Model):
    """One run of a scheduled job: when, for which business date, what it changed."""

    job = models.CharField(_("job"), max_length=50)
    business_date = models.DateField(_("business date"))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=JobRunStatus.choices, default=JobRunStatus.RUNNING
    )
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(_("counts"), default=dict)
    failures = models.JSONField(_("failures"), default=list)
    # Every customer (True) or only those changed or moved by the calendar (risk.pending).
    full = models.BooleanField(_("whole book"), default=True)
    runner = models.CharField(
        _("runs in"), max_length=10, choices=JobRunner.choices, default=JobRunner.CELERY
    )
    # The customer-id ranges of the run, fixed at its start (risk.jobs.planned_ranges), so a
    # run resumed after its runner died does the same chunks, whatever customers came since.
    chunk_size = models.PositiveIntegerField(null=True, blank=True)
    first_customer_id = models.BigIntegerField(null=True, blank=True)
    last_customer_id = models.BigIntegerField(null=True, blank=True)
    # Fanned-out runs: when the last chunk was handed to the broker (null while sending).
    sent_at = models.DateTimeField(_("chunks sent"), null=True, blank=True)
    # The last sign of progress: the start or resumption, the chunks sent, a chunk committed.
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    resumed = models.PositiveIntegerField(_("times resumed"), default=0)
    # Why an operator released the run, or that a later run replaced it after it died.
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at", "-id"]
        constraints = [
            # A second run of a job while one is running cannot even start.
            models.UniqueConstraint(
                fields=["job"],
                condition=models.Q(status="running"),
                name="jobrun_one_running_per_job",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_name} {self.business_date} {self.get_status_display()}"

    @property
    def job_name(self) -> str:
        return job_labels.job_name(self.job)

    @property
    def counts_shown(self) -> list[tuple[str, int]]:
        """The counters that moved, by their names, in the order the run recorded them."""
        return [
            (job_labels.counter_name(key), value) for key, value in self.counts.items() if value
        ]


class JobChunk(models.Model):
    """A chunk of a run, recorded in the chunk's own transaction (risk.jobs.run_chunk): a
    chunk delivered twice (a worker lost after its commit, before the broker heard of it)
    finds itself recorded and neither works nor counts again."""

    run = models.ForeignKey(JobRun, on_delete=models.CASCADE, related_name="chunks")
    first_customer_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("job run chunk")
        verbose_name_plural = _("job run chunks")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "first_customer_id"], name="jobchunk_once_per_run"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.first_customer_id}"


class PendingCustomer(models.Model):
    """A customer whose risk inputs changed since the nightly job last looked at them.
    Written by database triggers on the input tables, drained by the job (risk.pending)."""

    customer_id = models.BigIntegerField(primary_key=True)
    marked_at = models.DateTimeField(db_default=Now())

    class Meta:
        verbose_name = _("customer pending risk review")
        verbose_name_plural = _("customers pending risk review")

    def __str__(self) -> str:
        return str(self.customer_id)


class ConductAlertKind(models.TextChoices):
    DUPLICATE_PROBING = "duplicate_probing", _("Identifiers of customers outside their scope")


class ConductAlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    # A status, not the "Closed" column heading (关闭时间).
    CLOSED = "closed", pgettext_lazy("status", "Closed")


class ConductAlert(models.Model):
    """An operational-risk alert whose subject is a member of staff, not a customer: today,
    someone who tried to register, in one day, more identifiers held by customers outside
    their scope than DUPLICATE_ATTEMPTS_ALERT_AFTER allows (risk.conduct). One per kind,
    person and day; the managers of the person's branch (or head office, for a branch's only
    manager or a head-office user) review it and close it with what they found. The person
    it is about never sees it."""

    kind = models.CharField(_("kind"), max_length=30, choices=ConductAlertKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("about"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The person's branch when it was raised: its managers review it (risk.conduct).
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The bank's calendar day the attempts were made on.
    day = models.DateField(_("day"))
    # How many customers outside the person's scope they tried identifiers of that day.
    identifiers = models.PositiveIntegerField(_("identifiers tried"))
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ConductAlertStatus.choices,
        default=ConductAlertStatus.OPEN,
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_note = models.TextField(_("what was found"), blank=True)

    class Meta:
        verbose_name = _("conduct alert")
        verbose_name_plural = _("conduct alerts")
        ordering = ["-day", "-id"]
        constraints = [
            # Raised once per person and day, however many attempts follow, even when two
            # attempts cross the threshold at once.
            models.UniqueConstraint(
                fields=["kind", "user", "day"], name="conduct_alert_once_per_user_and_day"
            ),
        ]
        indexes = [
            models.Index(
                fields=["branch", "-day"],
                condition=models.Q(status="open"),
                name="conduct_alert_open_by_branch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user} {self.day}"


from risk.provision_models import (  # noqa: E402, F401
    FacilityProvision,
    LoanProvision,
    ProvisionMovement,
    ProvisionRun,
    ProvisionRunFacility,
    ProvisionRunLoan,
    ProvisionRunTotal,
    ProvisionSetting,
)
