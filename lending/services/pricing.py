"""Products and risk-based pricing: what a grade may borrow, at what rate, on what security."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Min

from lending.models import PricingRule

# The judicial protection ceiling for lending rates: no approval may go above it.
MAX_ANNUAL_RATE = Decimal("0.24")
ZERO = Decimal("0.00")


def pricing_for(product, grade: str) -> PricingRule | None:
    if not grade:
        return None
    return PricingRule.objects.filter(product=product, grade=grade).first()


def offer_for(product, grade: str) -> dict:
    """What the grade allows for the product: rate, maximum amount and requirements."""
    rule = pricing_for(product, grade)
    if rule is None or not rule.available:
        return {"available": False, "rule": rule}
    return {
        "available": True,
        "rule": rule,
        "rate": product.base_rate + rule.spread,
        "max_amount": min(product.max_amount, rule.max_amount),
        "collateral_required": rule.collateral_required or product.collateral_rule == "required",
        "guarantor_required": rule.guarantor_required,
        "max_ltv": rule.max_ltv,
    }


def product_rate_range(product) -> tuple[Decimal, Decimal]:
    """The rates the product lends at: from its base rate plus the smallest spread any grade
    gets (the best grade's offer) up to the ceiling every approval is held to."""
    lowest_spread = product.pricing.filter(available=True).aggregate(low=Min("spread"))["low"]
    return product.base_rate + (lowest_spread or ZERO), MAX_ANNUAL_RATE
