"""What the assessment pages say about a scorecard's factors, in the reader's language.

Scorecard versions are data an admin edits, stored with English labels. The seeded labels
and options are catalogue entries (crm_site/reference_texts.py), so they are shown through
gettext like every other seeded reference text; a label an admin types later is shown as
typed. One mechanism for all reference data, rather than a second language inside the JSON
that every admin edit would have to keep in step.

The dimension names, the prefill sources and the reasons for a score are the product's own
words, keyed by dimension, source and factor key; a factor this module does not know gets
a generic wording built from its label and its bin.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.numbers import format_money, format_percent
from credit import scoring

DIMENSION_LABELS = {
    "financial_condition": _("Financial condition"),
    "debt_service": _("Debt-service capacity"),
    "operational_stability": _("Operational stability"),
    "development_prospects": _("Development prospects"),
    "qualitative": _("Qualitative (expert)"),
    "other": _("Other characteristics"),
}

# Where credit.services.assessment_prefill finds each input it fills.
PREFILL_SOURCES = {
    "net_worth": "statement",
    "dti": "statement",
    "total_assets": "statement",
    "current_ratio": "statement",
    "debt_ratio": "statement",
    "dscr": "statement",
    "income_growth": "statements",
    "revenue_growth": "statements",
    "monthly_income": "customer",
    "years_in_business": "customer",
    "late_payments_12m": "repayments",
    "late_payments_36m": "repayments",
    "worst_dpd_ever": "repayments",
    "external_overdue": "bureau",
}


def localized(text: str) -> str:
    """A seeded label in the reader's language; admin-typed text as it is."""
    return gettext(text) if text else text


def input_shown(value, bin_label: str):
    """A factor's input as people read it: a category is stored as its code ("established")
    and reads as its bin's label (成熟); numbers and the 1–5 expert ratings as they are."""
    if isinstance(value, str) and value and not value.replace(".", "", 1).isdigit():
        return localized(bin_label)
    return value


def prefill_note(factor: dict, value, statement) -> str:
    """Beside a factor on the form: where its value came from, or who enters it."""
    if factor.get("expert"):
        return gettext("Scored by the officer; explain the score in the comment.")
    source = PREFILL_SOURCES.get(factor["key"])
    if source is None:
        return gettext("Entered by the officer; leave empty if unknown.")
    if value is None:
        return gettext("Not in the records; enter it if known, or leave empty.")
    if source == "customer":
        return gettext("From the customer record.")
    if source == "repayments":
        return gettext("From the repayment record.")
    if source == "bureau":
        return gettext("From the latest credit bureau report.")
    period = statement.period_end.isoformat() if statement is not None else ""
    if source == "statements":
        return gettext("From the two latest statements, to %(period)s.") % {"period": period}
    return gettext("From the statement ending %(period)s.") % {"period": period}


def _ratio(value) -> str:
    return f"{Decimal(str(value)):.2f}×"


def _count(value) -> str:
    return f"{Decimal(str(value)):,.0f}"


def _years(value) -> str:
    return f"{Decimal(str(value)):.1f}"


def _percent(value) -> str:
    return format_percent(value, 1)


# Reason codes worded for the customer: the template and how the value is written.
REASON_TEMPLATES = {
    "net_worth": (_("Net worth is low (%(value)s)"), format_money),
    "monthly_income": (_("Monthly income is low (%(value)s)"), format_money),
    "dti": (_("Debt payments take a large share of income (%(value)s)"), _percent),
    "late_payments_12m": (_("Late payments in the last 12 months (%(value)s)"), _count),
    "late_payments_36m": (_("Late payments in the last 36 months (%(value)s)"), _count),
    "worst_dpd_ever": (_("A payment was once %(value)s days late"), _count),
    "external_overdue": (_("Overdue at other lenders in the last 24 months: %(value)s"), None),
    "years_employed": (_("Short time with the current employer (%(value)s years)"), _years),
    "income_growth": (_("Income growth is weak (%(value)s)"), _percent),
    "character": (_("Character was rated %(value)s of 5"), str),
    "reputation": (_("Reputation was rated %(value)s of 5"), str),
    "total_assets": (_("The business is small by total assets (%(value)s)"), format_money),
    "current_ratio": (_("Short-term liquidity is low (current ratio %(value)s)"), _ratio),
    "debt_ratio": (_("Debt is high relative to assets (%(value)s)"), _percent),
    "dscr": (_("Debt-service coverage is low (%(value)s)"), _ratio),
    "years_in_business": (_("The business is young (%(value)s years)"), _years),
    "market_position": (_("Market position: %(value)s"), None),
    "industry_outlook": (_("Industry outlook: %(value)s"), None),
    "revenue_growth": (_("Revenue growth is weak (%(value)s)"), _percent),
    "management_quality": (_("Management quality was rated %(value)s of 5"), str),
    "transparency": (_("Transparency was rated %(value)s of 5"), str),
}


def reason_text(factor: dict, value, bin_label: str) -> str:
    """One reason for the score, in words an officer can tell the customer."""
    label = localized(factor.get("label") or factor["key"])
    if value is None or value == "":
        return gettext("%(factor)s: not on file") % {"factor": label}
    template, written = REASON_TEMPLATES.get(factor["key"], (None, None))
    if template is None:
        return gettext("%(factor)s: %(value)s") % {"factor": label, "value": localized(bin_label)}
    shown = localized(bin_label) if written is None else written(value)
    return str(template) % {"value": shown}


def assessment_dimensions(definition: dict, factor_points: dict) -> list[dict]:
    """The points-by-dimension table of an assessment, labelled."""
    return [
        {
            "key": row.dimension,
            "label": DIMENSION_LABELS[row.dimension],
            "points": row.points,
            "max_points": row.max_points,
        }
        for row in scoring.points_by_dimension(definition, factor_points)
    ]


def assessment_reasons(definition: dict, inputs: dict, factor_points: dict) -> list[dict]:
    """The main reasons for an assessment's score, worded, largest loss first."""
    factors = {factor["key"]: factor for factor in definition["factors"]}
    reasons = []
    for reason in scoring.reason_codes(definition, factor_points):
        factor = factors[reason.key]
        value = inputs.get(reason.key)
        bin_label = scoring.score_factor(factor, value).bin_label
        reasons.append(
            {
                "key": reason.key,
                "text": reason_text(factor, value, bin_label),
                "points": reason.points,
                "max_points": reason.max_points,
                "lost": reason.lost,
            }
        )
    return reasons
