import json
from pathlib import Path

from decimal import Decimal

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone

from accounts.roles import sync_role_groups


# The two default scorecards as they were seeded (credit.default_scorecards then), frozen beside
# this migration, so a later change to that module never changes what it seeds.
DEFAULT_SCORECARDS = json.loads(
    (Path(__file__).parent / "data" / "0002_reference_data.default_scorecards.json").read_text()
)

# A published scorecard is evidence of how past assessments were made: PostgreSQL itself
# refuses to change its definition, to send it back to draft, or to delete it.
IMMUTABLE = """
CREATE FUNCTION scorecard_version_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'a published scorecard version cannot be deleted';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' AND (
        NEW.definition IS DISTINCT FROM OLD.definition
        OR NEW.customer_kind <> OLD.customer_kind
        OR NEW.version <> OLD.version
        OR NEW.status = 'draft'
    ) THEN
        RAISE EXCEPTION 'a published scorecard version cannot change; create a new version';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER scorecard_version_immutable
    BEFORE UPDATE OR DELETE ON credit_scorecardversion
    FOR EACH ROW EXECUTE FUNCTION scorecard_version_immutable();
"""
DROP = """
DROP TRIGGER IF EXISTS scorecard_version_immutable ON credit_scorecardversion;
DROP FUNCTION IF EXISTS scorecard_version_immutable();
"""

D = Decimal
# code, name, type, for, min, max, min term, max term, base rate, penalty, method, collateral
PRODUCTS = [
    ("CONS-01", "Personal consumer loan", "consumer", "individual", "10000", "500000", 6, 60,
     "0.0385", "0.0578", "annuity", "by_grade"),
    ("MORT-01", "Residential mortgage", "mortgage", "individual", "100000", "5000000", 60, 360,
     "0.0310", "0.0465", "annuity", "required"),
    ("AUTO-01", "Auto loan", "auto", "individual", "30000", "800000", 12, 60,
     "0.0450", "0.0675", "equal_principal", "by_grade"),
    ("WC-01", "Working-capital loan", "working_capital", "enterprise", "100000", "20000000", 3,
     36, "0.0385", "0.0578", "bullet", "by_grade"),
    ("BT-01", "Business term loan", "business_term", "enterprise", "500000", "50000000", 12, 120,
     "0.0420", "0.0630", "equal_principal", "by_grade"),
]
# grade: spread over base, share of the product's maximum, collateral, guarantor, available
PRICING = {
    "AAA": ("0.0000", "1.00", False, False, True),
    "AA": ("0.0020", "1.00", False, False, True),
    "A": ("0.0050", "0.80", False, False, True),
    "BBB": ("0.0100", "0.60", True, False, True),
    "BB": ("0.0180", "0.40", True, False, True),
    "B": ("0.0300", "0.25", True, True, True),
    "CCC": ("0.0450", "0.10", True, True, True),
    "CC": ("0.0000", "0.00", True, True, False),
    "C": ("0.0000", "0.00", True, True, False),
}


def seed(apps, schema_editor):
    scorecard = apps.get_model("credit", "ScorecardVersion")
    now = timezone.now()
    for kind, name, definition in (
        ("individual", "Individual scorecard", DEFAULT_SCORECARDS["individual"]),
        ("enterprise", "Enterprise scorecard", DEFAULT_SCORECARDS["enterprise"]),
    ):
        scorecard.objects.get_or_create(
            customer_kind=kind, version=1,
            defaults={"name": name, "status": "published", "definition": definition,
                      "published_at": now,
                      "notes": "Seeded at installation; see credit/default_scorecards.py."},
        )
    product_model = apps.get_model("credit", "LoanProduct")
    pricing_model = apps.get_model("credit", "PricingRule")
    for (code, name, kind_of, for_kind, low, high, min_term, max_term, rate, penalty, method,
         collateral) in PRODUCTS:
        product, created = product_model.objects.get_or_create(code=code, defaults={
            "name": name, "product_type": kind_of, "customer_kind": for_kind,
            "min_amount": D(low), "max_amount": D(high), "min_term_months": min_term,
            "max_term_months": max_term, "base_rate": D(rate), "penalty_rate": D(penalty),
            "repayment_method": method, "collateral_rule": collateral})
        if not created:
            continue
        for grade, (spread, share, needs_collateral, needs_guarantor, available) in (
            PRICING.items()
        ):
            pricing_model.objects.create(
                product=product, grade=grade, available=available, spread=D(spread),
                max_amount=(D(high) * D(share)).quantize(D("0.01")),
                collateral_required=needs_collateral or collateral == "required",
                guarantor_required=needs_guarantor,
                max_ltv=D("0.7000") if kind_of == "mortgage" else D("0.6000"),
            )
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0001_initial"),
        ("customers", "0003_revisit_schedule"),
    ]

    operations = [
        migrations.RunSQL(IMMUTABLE, DROP),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
