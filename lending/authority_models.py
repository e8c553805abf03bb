"""The approval authority: the levels that decide credit (ordered), the matrix of what each
level may decide (product type, maximum amount, minimum grade), the grade floor below which an
application always goes to a higher level, who holds each level (by role or by name, scoped
by branch for branch levels), and each application's route through them with its steps.

Imported by lending/models.py, so Django registers these models with the lending app. The
rules that read them are lending/authority.py."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from customers.grades import GRADES

MONEY = {"max_digits": 18, "decimal_places": 2}
GRADE_CHOICES = [(grade, grade) for grade in GRADES]


class LevelScope(models.TextChoices):
    BRANCH = "branch", _("Branch")
    HEAD_OFFICE = "head_office", _("Head office")


class AuthorityLevel(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, help_text=_("Lower ranks decide first; higher ranks decide more.")
    )
    scope = models.CharField(_("scope"), max_length=12, choices=LevelScope.choices)
    holder_roles = models.JSONField(
        _("held by roles"),
        default=list,
        blank=True,
        help_text=_(
            "Every user of these roles holds the level (for a branch level, in their own "
            "branch; head-office users in every branch)."
        ),
    )
    is_committee = models.BooleanField(_("committee"), default=False)
    quorum = models.PositiveSmallIntegerField(
        _("quorum"), default=0, help_text=_("Members who must be present for a committee vote.")
    )
    majority = models.DecimalField(
        _("majority"),
        max_digits=4,
        decimal_places=3,
        default="0.500",
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_(
            "A motion carries when more than this share of the members present vote for it."
        ),
    )

    class Meta:
        ordering = ["rank"]
        verbose_name = _("approval authority level")
        verbose_name_plural = _("approval authority levels")

    def __str__(self) -> str:
        # Seeded names read in the user's language (crm_site/reference_texts.py).
        return gettext(self.name)

    def clean(self):
        from django.core.exceptions import ValidationError

        roles = self.holder_roles or []
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise ValidationError(
                {"holder_roles": _('Give a list of role codes, e.g. ["manager", "admin"].')}
            )
        unknown = set(roles) - set(Role.values)
        if unknown:
            raise ValidationError(
                {
                    "holder_roles": _("Unknown roles: %(roles)s")
                    % {"roles": ", ".join(sorted(unknown))}
                }
            )
        if self.is_committee and self.quorum is not None and self.quorum < 1:
            raise ValidationError({"quorum": _("A committee needs a quorum of at least one.")})


class AuthorityRule(models.Model):
    """One cell of the matrix: the level decides applications of this product type (any if
    empty) up to this amount (no limit if empty) for customers graded at least this (any if
    empty)."""

    level = models.ForeignKey(
        AuthorityLevel, verbose_name=_("level"), on_delete=models.CASCADE, related_name="rules"
    )
    product_type = models.CharField(_("product type"), max_length=20, blank=True)
    max_amount = models.DecimalField(_("maximum amount"), **MONEY, null=True, blank=True)
    min_grade = models.CharField(
        _("minimum grade"), max_length=4, choices=GRADE_CHOICES, blank=True
    )

    class Meta:
        ordering = ["level__rank", "product_type", "max_amount"]
        verbose_name = _("approval authority rule")
        verbose_name_plural = _("approval authority rules")

    def __str__(self) -> str:
        return f"{self.level} {self.product_type or '*'} {self.max_amount or '∞'} {self.min_grade}"


class AuthorityGradeFloor(models.Model):
    """An exception that always goes up: a customer graded below `grade` is decided at
    `minimum_level` or above, whatever the matrix says."""

    grade = models.CharField(_("grade floor"), max_length=4, choices=GRADE_CHOICES)
    minimum_level = models.ForeignKey(
        AuthorityLevel, verbose_name=_("decided at least at"), on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("grade floor")
        verbose_name_plural = _("grade floors")

    def __str__(self) -> str:
        return f"< {self.grade} → {self.minimum_level}"


class AuthorityHolder(models.Model):
    """A user named to a level (a committee's members are its holders). For a branch level,
    the branch they hold it in."""

    level = models.ForeignKey(
        AuthorityLevel, verbose_name=_("level"), on_delete=models.CASCADE, related_name="holders"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="authority_holdings",
    )
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("branch"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("For a branch level: the branch. Empty for a head-office level."),
    )

    class Meta:
        verbose_name = _("authority holder")
        verbose_name_plural = _("authority holders")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "user", "branch"],
                nulls_distinct=False,
                name="authority_holder_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.level}"


class ApprovalRoute(models.Model):
    """Where an application waits in the matrix: the level that must decide it (as known at
    the last step), the level it waits at now and since when."""

    application = models.OneToOneField(
        "lending.Application", on_delete=models.CASCADE, related_name="approval_route"
    )
    required_level = models.ForeignKey(
        AuthorityLevel,
        verbose_name=_("decided at"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    waiting_level = models.ForeignKey(
        AuthorityLevel,
        verbose_name=_("waiting at"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    exceptions = models.JSONField(_("exceptions"), default=list, blank=True)

    class Meta:
        verbose_name = _("approval route")
        verbose_name_plural = _("approval routes")

    def __str__(self) -> str:
        return f"{self.application_id} → {self.waiting_level or '—'}"


class StepOutcome(models.TextChoices):
    RECOMMEND_APPROVE = "recommend_approve", _("Recommended approval")
    RECOMMEND_DECLINE = "recommend_decline", _("Recommended decline")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ApprovalStep(models.Model):
    """One level's step on an application: who decided or recommended what and why; for a
    committee, the members present and the vote."""

    application = models.ForeignKey(
        "lending.Application", on_delete=models.CASCADE, related_name="approval_steps"
    )
    level = models.ForeignKey(AuthorityLevel, verbose_name=_("level"), on_delete=models.PROTECT)
    decider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decider"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=StepOutcome.choices)
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    members_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members present"), blank=True, related_name="+"
    )
    votes_for = models.PositiveSmallIntegerField(_("votes for"), null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(_("votes against"), null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")

    def __str__(self) -> str:
        return f"{self.level} {self.get_outcome_display()}"

    @property
    def is_decision(self) -> bool:
        return self.outcome in (StepOutcome.APPROVED, StepOutcome.REJECTED)
