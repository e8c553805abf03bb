from decimal import Decimal

from django.db import migrations

# The broken-promise rule's catalogue row as it was seeded (risk.rules.CATALOGUE then):
# code, indicator, name, threshold, severity, risk type, response, hours to acknowledge,
# resolve when cleared.
RULES = [
    (
        "broken_promise",
        "broken_promise",
        "Promise to pay broken",
        1,
        "orange",
        "credit",
        "Call the customer about the broken promise; move the case on if it happens again.",
        24,
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
        ("risk", "0025_provision_rows_verbose_names"),
        ("lending", "0009_collections"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
