from decimal import Decimal
from pathlib import Path

from django.db import migrations

# The SQL this migration installs, frozen as it was when it was written (migrations/sql/):
# every pending-customer trigger of risk.pending, now with those of the documents (the
# statement is idempotent: the others are replaced by themselves).
SQL = Path(__file__).parent / "sql"


def frozen(part: str) -> str:
    return (SQL / f"0024_document_expiry.{part}.sql").read_text()


# The document expiry rule's catalogue row as it was seeded (risk.rules.CATALOGUE then):
# code, indicator, name, threshold, severity, risk type, response, hours to acknowledge,
# resolve when cleared.
RULES = [
    (
        "document_expiry",
        "document_expiry",
        "Document expiring",
        30,
        "yellow",
        "operational",
        "Ask the customer for the renewed document and upload it before the old one expires.",
        72,
        True,
    ),
]


def seed(apps, schema_editor):
    rule_model = apps.get_model("risk", "EarlyWarningRule")
    for code, indicator, name, threshold, severity, risk_type, response, sla, resolve in RULES:
        rule_model.objects.get_or_create(
            code=code,
            defaults={
                "indicator": indicator,
                "name": name,
                "threshold": Decimal(str(threshold)),
                "severity": severity,
                "risk_type": risk_type,
                "suggested_response": response,
                "sla_hours": sla,
                "auto_resolve": resolve,
            },
        )


def unseed(apps, schema_editor):
    codes = [rule[0] for rule in RULES]
    apps.get_model("risk", "EarlyWarningRule").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0023_facility_review_and_freeze"),
        ("customers", "0013_documents"),
    ]

    operations = [
        migrations.RunSQL(frozen("install"), frozen("uninstall")),
        migrations.RunPython(seed, unseed),
    ]
