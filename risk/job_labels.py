"""What people read for the codes a job run records: the job's name and its counters
(JobRun.job, JobRun.counts), on the risk page and in admin, in the reader's language.

The codes stay as they are in the database (scripts and `manage.py risk_runs` read them);
a code missing here is shown as stored, and tests/risk/test_job_labels.py fails on it."""

from django.utils.translation import gettext_lazy as _

# risk.jobs.JOBS: the names the jobs run under.
JOB_NAMES = {
    "risk.nightly": _("Nightly risk recompute"),
    "risk.scan": _("Early-warning scan"),
}

# The counters risk.recompute adds up per chunk (ChunkResult.add) and risk.jobs per run.
COUNTER_NAMES = {
    "customers_examined": _("customers examined"),
    "loans_added": _("loans added"),
    "loans_changed": _("loans changed"),
    "loans_aged": _("loans aged"),
    "class_changes": _("classification changes"),
    "scores_refreshed": _("scores refreshed"),
    "grade_history": _("grade changes"),
    "risk_level_changes": _("risk level changes"),
    "alerts_raised": _("alerts raised"),
    "alerts_updated": _("alerts updated"),
    "alerts_cleared": _("alerts cleared"),
    "alerts_stepped": _("alert severity steps"),
    "alerts_reopened": _("acknowledged alerts reopened by a step up"),
    "alert_severities_followed": _("alert severities following their edited rule"),
    "chunks_skipped": _("chunks skipped"),
    "provisions_written": _("loan provisions written"),
    "provisions_removed": _("loan provisions removed"),
    "facility_provisions_written": _("undrawn facility provisions written"),
    "facility_provisions_removed": _("undrawn facility provisions removed"),
    "exposures_written": _("customer exposures written"),
    "group_exposures_written": _("group exposures written"),
}


def job_name(code: str) -> str:
    return str(JOB_NAMES.get(code, code))


def counter_name(code: str) -> str:
    return str(COUNTER_NAMES.get(code, code))
