"""The application pipeline's stages in groups, by their lending.models.ApplicationStatus
values. Pure Python: no Django, so that SQL elsewhere (risk.rules) splices the same groups
the pages filter by; a test holds them to ApplicationStatus."""

# An application still open: a decision or a disbursement may yet come (or a withdrawal).
OPEN_APPLICATION_STATUSES = ["draft", "submitted", "under_review", "approved"]
# An application that reached its end.
CLOSED_APPLICATION_STATUSES = ["rejected", "disbursed", "withdrawn"]
# The stages the dashboard counts as "in the pipeline": submitted and waiting for a decision
# or a disbursement (a draft is not in it yet).
PIPELINE_STATUSES = ["submitted", "under_review", "approved"]
# The application list's filter value for the pipeline's stages together.
IN_PIPELINE = "pipeline"


def statuses_sql(statuses: list[str]) -> str:
    """The statuses as an SQL list, for `status IN (...)`."""
    return "(" + ", ".join(f"'{status}'" for status in statuses) + ")"
