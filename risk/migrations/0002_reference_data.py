from decimal import Decimal

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import sync_role_groups
from risk.rules import CATALOGUE

STRATEGIES = {
    "low": ("Standard pricing; eligible for the best grade spreads.",
            "As the product requires.",
            "Revisit every 180 days; annual review."),
    "medium": ("Grade pricing; no discounts.",
               "Collateral or a guarantor for new exposure.",
               "Revisit every 90 days; review on every early-warning signal."),
    "high": ("Risk premium; no new exposure without the manager.",
             "Extra collateral or a guarantor; check the loan to value.",
             "Revisit every 30 days; monthly review; collections ready."),
}

SCHEDULES = [
    # name, task, crontab (minute, hour), description
    ("Nightly risk recompute", "risk.nightly", ("30", "1"),
     "Days past due, five-tier classification, grade history, risk levels and the "
     "early-warning scan for the whole book, in chunks."),
    ("Early-warning scan", "risk.scan", ("0", "8,12,16"),
     "The early-warning rules during the day (manual signals, complaints, revaluations)."),
    ("Alert escalation", "risk.escalate", ("15", "*"),
     "Alerts not acknowledged within their SLA go to the branch manager."),
]


def seed(apps, schema_editor):
    rule_model = apps.get_model("risk", "EarlyWarningRule")
    for (code, indicator, name, threshold, severity, risk_type, response, sla,
         auto_resolve) in CATALOGUE:
        rule_model.objects.get_or_create(code=code, defaults={
            "indicator": indicator, "name": name,
            "threshold": None if threshold is None else Decimal(str(threshold)),
            "severity": severity, "risk_type": risk_type, "suggested_response": response,
            "sla_hours": sla, "auto_resolve": auto_resolve})
    policy_model = apps.get_model("risk", "RiskLevelPolicy")
    if not policy_model.objects.exists():
        policy_model.objects.create()
    strategy_model = apps.get_model("risk", "RiskLevelStrategy")
    for level, (pricing, collateral, monitoring) in STRATEGIES.items():
        strategy_model.objects.get_or_create(risk_level=level, defaults={
            "pricing": pricing, "collateral": collateral, "monitoring": monitoring})
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, (minute, hour), description in SCHEDULES:
        crontab, _ = crontab_model.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
            timezone="Asia/Shanghai")
        task_model.objects.get_or_create(name=name, defaults={
            "task": task, "crontab": crontab, "description": description})
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0001_initial"),
        ("credit", "0002_reference_data"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
