from pathlib import Path

from django.db import migrations

# The SQL this migration installs, frozen as it was when it was written (migrations/sql/):
# the triggers that mark the customers whose exposure a facility, a group membership, the
# tier-1 capital or a concentration limit moves (risk.exposure).
SQL = Path(__file__).parent / "sql"


def frozen(part: str) -> str:
    return (SQL / f"0022_concentration_limits.{part}.sql").read_text()


# The concentration rules' catalogue rows as they were seeded (risk.rules.CATALOGUE then).
RULES = [
    (
        "single_concentration",
        "single_concentration",
        "Exposure near the single-customer concentration limit",
        "orange",
        "credit",
        "Hold new credit to the customer; bring large decisions to the head-office committee.",
        48,
        True,
    ),
    (
        "group_concentration",
        "group_concentration",
        "Group exposure near the group concentration limit",
        "orange",
        "credit",
        "Review the group's facilities together; hold new credit to its members.",
        48,
        True,
    ),
]


def seed(apps, schema_editor):
    rule_model = apps.get_model("risk", "EarlyWarningRule")
    for code, indicator, name, severity, risk_type, response, sla, auto_resolve in RULES:
        rule_model.objects.get_or_create(
            code=code,
            defaults={
                "indicator": indicator,
                "name": name,
                "threshold": None,
                "severity": severity,
                "risk_type": risk_type,
                "suggested_response": response,
                "sla_hours": sla,
                "auto_resolve": auto_resolve,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("risk", "EarlyWarningRule").objects.filter(
        code__in=[rule[0] for rule in RULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0021_provisions"),
        ("lending", "0005_concentration_limits"),
    ]

    operations = [
        migrations.RunSQL(frozen("install"), frozen("uninstall")),
        migrations.RunPython(seed, unseed),
    ]
