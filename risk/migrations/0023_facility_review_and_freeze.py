from decimal import Decimal

from django.db import migrations, models

# The facility review rule's catalogue row as it was seeded (risk.rules.CATALOGUE then):
# code, indicator, name, threshold, severity, risk type, response, hours to acknowledge,
# resolve when cleared.
RULES = [
    (
        "facility_review_overdue",
        "facility_review_overdue",
        "Credit facility's annual review overdue",
        1,
        "yellow",
        "credit",
        "Complete the facility's annual review; freeze the limit if the customer has weakened.",
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
        ("risk", "0022_concentration_limits"),
        ("lending", "0003_credit_facilities"),
    ]

    operations = [
        # The response "freeze the limit" (risk.models.ResponseAction.FREEZE_LIMIT).
        migrations.AlterField(
            model_name="alertaction",
            name="action",
            field=models.CharField(
                choices=[
                    ("closer_contact", "Closer contact"),
                    ("policy_adjustment", "Policy adjustment"),
                    ("extra_collateral", "Extra collateral"),
                    ("collections", "Collections"),
                    ("restructuring", "Restructuring"),
                    ("asset_preservation", "Asset preservation"),
                    ("legal", "Legal action"),
                    ("freeze_limit", "Freeze the limit"),
                    ("stepped_up", "Severity raised"),
                    ("stepped_down", "Severity lowered"),
                    ("assigned", "Assigned"),
                    ("merged", "Merged into the ladder"),
                ],
                max_length=20,
                verbose_name="response",
            ),
        ),
        migrations.RunPython(seed, unseed),
    ]
