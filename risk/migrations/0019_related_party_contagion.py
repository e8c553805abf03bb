from decimal import Decimal
from pathlib import Path

from django.db import migrations

# The SQL this migration installs, frozen as it was when it was written (migrations/sql/):
# the triggers that mark both customers of a related-party link written (risk.contagion).
SQL = Path(__file__).parent / "sql"


def frozen(part: str) -> str:
    return (SQL / f"0019_related_party_contagion.{part}.sql").read_text()


# The contagion rule's catalogue row as it was seeded (risk.rules.CATALOGUE then).
RULE = (
    "related_party_distress",
    "related_party_distress",
    "A related party is non-performing or has a red alert",
    None,
    "orange",
    "credit",
    "Review the exposure to the group; check guarantees and cross-defaults.",
    48,
    True,
)


def seed(apps, schema_editor):
    rule_model = apps.get_model("risk", "EarlyWarningRule")
    code, indicator, name, threshold, severity, risk_type, response, sla, auto_resolve = RULE
    rule_model.objects.get_or_create(
        code=code,
        defaults={
            "indicator": indicator,
            "name": name,
            "threshold": None if threshold is None else Decimal(str(threshold)),
            "severity": severity,
            "risk_type": risk_type,
            "suggested_response": response,
            "sla_hours": sla,
            "auto_resolve": auto_resolve,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("risk", "EarlyWarningRule").objects.filter(code=RULE[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0018_alert_ladder"),
        ("customers", "0010_related_parties_and_groups"),
    ]

    operations = [
        migrations.RunSQL(frozen("install"), frozen("uninstall")),
        migrations.RunPython(seed, unseed),
    ]
