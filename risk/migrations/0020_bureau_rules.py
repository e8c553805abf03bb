from decimal import Decimal
from pathlib import Path

from django.db import migrations

# The SQL this migration installs, frozen as it was when it was written (migrations/sql/):
# every pending-customer trigger of risk.pending, now with those of the credit bureau reports
# (the statement is idempotent: the others are replaced by themselves).
SQL = Path(__file__).parent / "sql"


def frozen(part: str) -> str:
    return (SQL / f"0020_bureau_rules.{part}.sql").read_text()


# The credit bureau rules' catalogue rows as they were seeded (risk.rules.CATALOGUE then):
# code, indicator, name, threshold, severity, risk type, response, hours to acknowledge,
# resolve when cleared.
RULES = [
    (
        "external_overdue",
        "external_overdue",
        "New overdue at other lenders",
        1,
        "orange",
        "credit",
        "Call the customer about the overdue at the other lender; review the exposure.",
        24,
        False,
    ),
    (
        "enquiry_spike",
        "enquiry_spike",
        "Credit enquiries spiking",
        6,
        "yellow",
        "credit",
        "Ask the customer where else they applied; check for over-borrowing.",
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
        ("risk", "0019_related_party_contagion"),
        ("credit", "0015_bureau_reports"),
    ]

    operations = [
        migrations.RunSQL(frozen("install"), frozen("uninstall")),
        migrations.RunPython(seed, unseed),
    ]
