from decimal import Decimal

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import sync_role_groups

# The early-warning catalogue as it was seeded (risk.rules.CATALOGUE then): code, indicator,
# name, threshold, severity, risk type, response, hours to acknowledge, resolve when cleared.
# Frozen here, so a later change to the catalogue never changes what this migration seeds.
CATALOGUE = [('dpd_1',
  'dpd',
  'Payment overdue',
  1,
  'yellow',
  'credit',
  'Call the customer the same day and agree a payment date.',
  48,
  True),
 ('dpd_30',
  'dpd',
  'More than 30 days past due',
  30,
  'orange',
  'credit',
  'Visit the customer; start collections; review the collateral.',
  24,
  True),
 ('dpd_60',
  'dpd',
  'More than 60 days past due',
  60,
  'orange',
  'credit',
  'Escalate to collections and consider restructuring.',
  24,
  True),
 ('dpd_90',
  'dpd',
  'More than 90 days past due',
  90,
  'red',
  'credit',
  'Non-performing: asset preservation, legal review, provision.',
  8,
  True),
 ('missed_instalments',
  'missed_instalments',
  'Two or more instalments missed',
  2,
  'orange',
  'credit',
  'Closer contact; check for financial difficulty.',
  24,
  True),
 ('score_drop',
  'score_drop',
  'Score dropped',
  30,
  'orange',
  'credit',
  "Review the assessment and the customer's situation.",
  48,
  False),
 ('grade_downgrade',
  'grade_downgrade',
  'Grade downgraded two notches or more',
  2,
  'orange',
  'credit',
  'Adjust the credit policy and limits for this customer.',
  48,
  False),
 ('dti_limit',
  'dti_limit',
  'Debt-to-income above the limit',
  '0.55',
  'yellow',
  'credit',
  'Discuss the household budget; avoid new exposure.',
  72,
  True),
 ('dscr_limit',
  'dscr_limit',
  'Debt-service coverage below the limit',
  '1.0',
  'orange',
  'credit',
  'Analyse the cash flow; ask for extra collateral.',
  48,
  True),
 ('ltv_limit',
  'ltv_limit',
  'Loan to value above the limit',
  '0.80',
  'orange',
  'market',
  'Ask for extra collateral or a partial prepayment.',
  48,
  True),
 ('collateral_down',
  'collateral_down',
  'Collateral revalued down',
  '0.20',
  'orange',
  'market',
  'Reassess the collateral and the loan to value.',
  48,
  False),
 ('revenue_drop',
  'revenue_drop',
  'Revenue or income down on the latest statement',
  '0.20',
  'orange',
  'credit',
  'Visit the business; review the outlook.',
  48,
  False),
 ('industry_watch',
  'industry_watch',
  'Industry on the watch list',
  None,
  'yellow',
  'industry',
  "Review the exposure and the borrower's position in the industry.",
  72,
  True),
 ('covenant_breach',
  'signal_covenant_breach',
  'Covenant breach',
  None,
  'red',
  'credit',
  "Apply the covenant's remedies; adjust the credit policy.",
  8,
  True),
 ('lawsuit',
  'signal_lawsuit',
  'Lawsuit against the customer',
  None,
  'red',
  'legal',
  'Legal review; consider asset preservation.',
  8,
  True),
 ('negative_news',
  'signal_negative_news',
  'Negative news',
  None,
  'orange',
  'operational',
  'Contact the customer and verify the facts.',
  24,
  True),
 ('ownership_change',
  'signal_ownership_change',
  'Ownership change',
  None,
  'yellow',
  'operational',
  'Meet the new owners; review guarantees.',
  72,
  True),
 ('no_contact',
  'no_contact',
  'No contact with a medium or high-risk customer',
  90,
  'yellow',
  'operational',
  'Call or visit the customer.',
  72,
  True),
 ('complaint_sla',
  'complaint_sla',
  'Complaint past its SLA',
  None,
  'orange',
  'operational',
  'Resolve the complaint and call the customer back.',
  24,
  True),
 ('maturity_no_renewal',
  'maturity_no_renewal',
  'Loan maturing with no renewal plan',
  30,
  'yellow',
  'credit',
  'Discuss repayment or renewal with the customer.',
  72,
  True)]

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
