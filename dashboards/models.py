from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lending.loan_quality import DOUBTFUL, LOSS, NORMAL, SPECIAL_MENTION, SUBSTANDARD

# The snapshot's exposure column of each five-tier class, best to worst.
CLASS_COLUMNS = {
    NORMAL: "normal_exposure",
    SPECIAL_MENTION: "special_mention_exposure",
    SUBSTANDARD: "substandard_exposure",
    DOUBTFUL: "doubtful_exposure",
    LOSS: "loss_exposure",
}


class LoanFigures(models.Model):
    """Active loans summed: count, exposure, non-performing and overdue exposure, and the
    overdue exposure by days-past-due bucket (lending.loan_quality.DPD_BUCKETS)."""

    loans = models.IntegerField(default=0)
    exposure = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    npl_exposure = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    overdue_exposure = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    overdue_1_30 = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    overdue_31_60 = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    overdue_61_90 = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    overdue_91_180 = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    overdue_181_360 = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    overdue_360_plus = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        abstract = True


class PortfolioSnapshot(LoanFigures):
    """One officer's book on one business date, written every night; the dashboard's trends
    compare today with the snapshots of the earlier date (summed over the user's scope)."""

    taken_on = models.DateField(_("date"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    branch = models.ForeignKey("accounts.Branch", on_delete=models.CASCADE, related_name="+")
    customers = models.IntegerField(default=0)
    # The exposure of each of the five classes (CLASS_COLUMNS). Null on the snapshots taken
    # before these columns existed whose split could not be derived from the dated history:
    # unknown, not zero, so the chart leaves a gap.
    normal_exposure = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    special_mention_exposure = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    substandard_exposure = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    doubtful_exposure = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    loss_exposure = models.DecimalField(max_digits=18, decimal_places=2, null=True)

    class Meta:
        verbose_name = _("portfolio snapshot")
        verbose_name_plural = _("portfolio snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["taken_on", "officer"], name="snapshot_one_per_officer_and_day"
            )
        ]
        indexes = [models.Index(fields=["taken_on", "branch"], name="snapshot_by_branch")]

    def __str__(self) -> str:
        return f"{self.taken_on} {self.officer_id}"


class BookFigure(LoanFigures):
    """Today's active loans of one officer's customers in one branch, overall (dimension
    "total") or for one grade, class, product or industry (dimension and key): kept
    current by PostgreSQL triggers and rebuilt nightly (dashboards/figures.py)."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    dimension = models.CharField(max_length=10)
    key = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = _("book figure")
        verbose_name_plural = _("book figures")
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "branch", "dimension", "key"], name="book_figure_key"
            )
        ]
        indexes = [models.Index(fields=["branch", "dimension"], name="book_figure_by_branch")]

    def __str__(self) -> str:
        return f"{self.officer_id} {self.branch_id} {self.dimension} {self.key}"


class ActivityFigures(models.Model):
    """The dashboard figures that count activity rows rather than loans (alerts, the
    application pipeline, relationship figures, the officers' league table, customer count
    and NPS by month), as computed for one scope and comparison date at `computed_at`.

    At a million loans these take a second to aggregate; a manager's dashboard reads them
    from here while they are younger than DASHBOARD_FIGURES_MAX_AGE, and Celery refreshes the
    bank's and every branch's ahead of time (dashboards/activity.py)."""

    key = models.CharField(max_length=100, unique=True)
    computed_at = models.DateTimeField()
    figures = models.JSONField()

    class Meta:
        verbose_name = _("dashboard activity figures")
        verbose_name_plural = _("dashboard activity figures")

    def __str__(self) -> str:
        return f"{self.key} @ {timezone.localtime(self.computed_at):%Y-%m-%d %H:%M}"
