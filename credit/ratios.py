"""Financial ratios from a statement. Pure Python: no Django. None when not computable."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FOUR_PLACES = Decimal("0.0001")


def _ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(FOUR_PLACES, ROUND_HALF_UP)


def current_ratio(current_assets, current_liabilities) -> Decimal | None:
    """Liquidity: current assets over current liabilities."""
    return _ratio(current_assets, current_liabilities)


def debt_ratio(total_liabilities, total_assets) -> Decimal | None:
    """Leverage: total liabilities over total assets."""
    return _ratio(total_liabilities, total_assets)


def dscr(operating_cash_flow, debt_service) -> Decimal | None:
    """Debt-service coverage: cash from operations over principal and interest due."""
    return _ratio(operating_cash_flow, debt_service)


def dti(debt_service, income) -> Decimal | None:
    """Debt to income: yearly debt payments over yearly income (individuals)."""
    return _ratio(debt_service, income)


def revenue_growth(revenue, previous_revenue) -> Decimal | None:
    """Growth of revenue (or income) over the previous statement: 0.10 is +10%."""
    if revenue is None or previous_revenue in (None, 0):
        return None
    return _ratio(Decimal(revenue) - Decimal(previous_revenue), previous_revenue)


def statement_ratios(values: dict, previous: dict | None = None) -> dict[str, Decimal | None]:
    """All ratios of one statement (a dict of its fields), for individuals and enterprises."""
    previous = previous or {}
    individual = values.get("annual_income") is not None
    income_key = "annual_income" if individual else "revenue"
    return {
        "current_ratio": current_ratio(
            values.get("current_assets"), values.get("current_liabilities")
        ),
        "debt_ratio": debt_ratio(values.get("total_liabilities"), values.get("total_assets")),
        "dscr": dscr(values.get("operating_cash_flow"), values.get("debt_service")),
        "dti": dti(values.get("debt_service"), values.get("annual_income")),
        "revenue_growth": revenue_growth(values.get(income_key), previous.get(income_key)),
    }
