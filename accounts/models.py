from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("Loan officer")
    MANAGER = "manager", _("Manager")
    RISK_OFFICER = "risk_officer", _("Risk officer")
    ADMIN = "admin", _("Admin")
    COMPLIANCE = "compliance", _("Compliance officer")


# Head-office roles see the whole bank; the others are bound to a branch.
HEAD_OFFICE_ROLES = frozenset({Role.RISK_OFFICER, Role.ADMIN, Role.COMPLIANCE})


class Branch(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_head_office = models.BooleanField(_("head office"), default=False)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["code"]

    def __str__(self) -> str:
        # Seeded names read in the user's language (crm_site/reference_texts.py).
        return gettext(self.name)


class User(AbstractUser):
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )
    # Mirrors "has a confirmed TOTP device" so the log-in check on every page costs no query;
    # only the two_factor_* services in accounts/services.py change it, with the device.
    two_factor_enabled = models.BooleanField(
        _("two-factor authentication"), default=False, editable=False
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # An officer or manager without a branch would have no data scope at all.
            models.CheckConstraint(
                condition=models.Q(role__in=["risk_officer", "admin"])
                | models.Q(branch__isnull=False),
                name="branch_role_needs_branch",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def sees_all_branches(self) -> bool:
        return self.is_superuser or self.role in HEAD_OFFICE_ROLES


def name_columns(*people: str) -> list[str]:
    """For `.only()`: the columns User.__str__ reads of each person joined at these paths, so
    a page that names people reads neither their password hash nor the rest of their row."""
    return [
        f"{person}__{column}"
        for person in people
        for column in ("first_name", "last_name", "username")
    ]
