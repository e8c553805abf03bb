"""Every export takes data out of the system and leaves the same kind of audit row, whichever
app it comes from: who, which rows (their type), which format, filtered how."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent

EXPORTS = [
    # (URL, query, the exported rows' type, what else the row names)
    (
        ("customers:export", ["csv"]),
        {"kind": "individual"},
        "customers.customer",
        {},
    ),
    (("lending:loan-export", ["xlsx"]), {"status": "active"}, "credit.loan", {}),
    (
        ("dashboards:report", ["portfolio"]),
        {"export": "csv"},
        "dashboards.report",
        {"report": "portfolio"},
    ),
]


@pytest.mark.parametrize(("url", "query", "what", "details"), EXPORTS)
def test_an_export_writes_one_audit_row_naming_who_what_format_and_filter(
    client_for, mary, url, query, what, details
):
    name, args = url
    response = client_for(mary).get(reverse(name, args=args), query)
    assert response.status_code == 200
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    event = AuditEvent.objects.get(action__endswith=".exported")
    fmt = args[0] if name != "dashboards:report" else query["export"]
    assert (event.actor, event.action, event.object_type) == (mary, f"{what}.exported", what)
    assert event.after == {**details, "format": fmt, "query": response.request["QUERY_STRING"]}


def test_a_refused_export_writes_no_audit_row(client_for, mary):
    response = client_for(mary).get(
        reverse("lending:loan-export", args=["csv"]), {"status": "not-a-status"}
    )
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action__endswith=".exported").exists()
