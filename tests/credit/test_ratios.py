from decimal import Decimal

from credit.ratios import statement_ratios

D = Decimal


def test_ratios_from_a_statement():
    ratios = statement_ratios(
        {
            "current_assets": D("300"),
            "current_liabilities": D("200"),
            "total_liabilities": D("600"),
            "total_assets": D("1000"),
            "operating_cash_flow": D("150"),
            "debt_service": D("100"),
            "revenue": D("1100"),
        },
        {"revenue": D("1000")},
    )
    assert ratios == {
        "current_ratio": D("1.5000"),
        "debt_ratio": D("0.6000"),
        "dscr": D("1.5000"),
        "dti": None,
        "revenue_growth": D("0.1000"),
    }
    individual = statement_ratios({"annual_income": D("120000"), "debt_service": D("36000")})
    assert individual["dti"] == D("0.3000")
    assert (
        statement_ratios({"current_assets": D("1"), "current_liabilities": D("0")})["current_ratio"]
        is None
    )
