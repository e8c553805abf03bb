from decimal import Decimal
from pathlib import Path

from django.db import migrations

# The SQL this migration installs, frozen as it was when it was written (migrations/sql/):
# every pending-customer trigger of risk.pending, now with those of the post-loan inspections
# (the statement is idempotent: the others are replaced by themselves).
SQL = Path(__file__).parent / "sql"


def frozen(part: str) -> str:
    return (SQL / f"0027_inspection_overdue.{part}.sql").read_text()


# The inspection rule's catalogue row as it was seeded (risk.rules.CATALOGUE then): code,
# indicator, name, threshold, severity, risk type, response, hours to acknowledge, resolve
# when cleared.
RULES = [
    (
        "inspection_overdue",
        "inspection_overdue",
        "Post-loan inspection overdue",
        1,
        "yellow",
        "operational",
        "Visit the customer, check the use of funds and the business, and record the inspection.",
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
        ("risk", "0026_broken_promise"),
        ("lending", "0010_post_loan_inspections"),
    ]

    operations = [
        migrations.RunSQL(frozen("install"), frozen("uninstall")),
        migrations.RunPython(seed, unseed),
    ]
