from core.business_date import business_date
from dashboards.services import portfolio_snapshot


def seed_demo(**options) -> str:
    return f"{portfolio_snapshot(on=business_date())} portfolio snapshot rows"
