"""The two scorecards seeded at installation, individual and enterprise.

Their factors follow the credit evaluation dimensions of the product: financial condition,
debt-service capacity (with the long repayment record, not only recent months), operational
stability, development prospects, and qualitative factors scored by experts (1 to 5).

Individual scorecard (base 420 points; best case 745, worst 420)

| dimension               | factor              | bins → points                                      | missing |
|-------------------------|---------------------|----------------------------------------------------|---------|
| financial condition     | net_worth (¥)       | <0: 0 · 0–200k: 15 · 200k–1m: 30 · ≥1m: 45          | 10      |
| financial condition     | monthly_income (¥)  | <5k: 5 · 5k–10k: 15 · 10k–20k: 25 · ≥20k: 35        | 5       |
| debt service            | dti                 | <0.20: 50 · 0.20–0.35: 35 · 0.35–0.50: 15 · ≥0.50: 0 | 15      |
| debt service            | late_payments_12m   | 0: 40 · 1: 15 · ≥2: 0                               | 20      |
| debt service            | late_payments_36m   | 0: 25 · 1–2: 10 · ≥3: 0                             | 12      |
| debt service            | worst_dpd_ever      | 0: 25 · 1–30: 15 · 31–90: 5 · >90: 0                | 12      |
| debt service            | external_overdue    | clean: 0 · M1: −10 · M2: −25 · M3+: −45 (bureau)    | 0       |
| operational stability   | years_employed      | <1: 5 · 1–3: 15 · 3–10: 25 · ≥10: 35                | 5       |
| development prospects   | income_growth       | <−10%: 0 · −10%–5%: 10 · ≥5%: 20                    | 8       |
| qualitative (expert)    | character           | 1–2: 0 · 3: 10 · 4: 20 · 5: 30                      | 10      |
| qualitative (expert)    | reputation          | 1–2: 0 · 3: 8 · 4: 15 · 5: 20                       | 8       |

Enterprise scorecard (base 380 points; best case 755, worst 380)

| dimension               | factor              | bins → points                                      | missing |
|-------------------------|---------------------|----------------------------------------------------|---------|
| financial condition     | total_assets (¥)    | <5m: 5 · 5m–50m: 15 · 50m–500m: 25 · ≥500m: 35      | 5       |
| financial condition     | current_ratio       | <1: 0 · 1–1.5: 15 · 1.5–2: 25 · ≥2: 30              | 8       |
| financial condition     | debt_ratio          | <0.4: 30 · 0.4–0.6: 20 · 0.6–0.8: 8 · ≥0.8: 0       | 8       |
| debt service            | dscr                | <1: 0 · 1–1.25: 15 · 1.25–2: 35 · ≥2: 45            | 10      |
| debt service            | late_payments_12m   | 0: 40 · 1: 15 · ≥2: 0                               | 20      |
| debt service            | late_payments_36m   | 0: 25 · 1–2: 10 · ≥3: 0                             | 12      |
| debt service            | worst_dpd_ever      | 0: 25 · 1–30: 15 · 31–90: 5 · >90: 0                | 12      |
| debt service            | external_overdue    | clean: 0 · M1: −10 · M2: −25 · M3+: −45 (bureau)    | 0       |
| operational stability   | years_in_business   | <2: 0 · 2–5: 10 · 5–10: 20 · ≥10: 30                | 0       |
| operational stability   | market_position     | leader 25 · established 18 · niche 10 · weak 0     | 5       |
| development prospects   | industry_outlook    | positive 20 · stable 12 · negative 0               | 8       |
| development prospects   | revenue_growth      | <−10%: 0 · −10%–5%: 8 · 5%–20%: 15 · ≥20%: 20       | 6       |
| qualitative (expert)    | management_quality  | 1–2: 0 · 3: 8 · 4: 15 · 5: 20                       | 6       |
| qualitative (expert)    | reputation          | 1–2: 0 · 3: 6 · 4: 12 · 5: 15                       | 5       |
| qualitative (expert)    | transparency        | 1–2: 0 · 3: 6 · 4: 12 · 5: 15                       | 5       |

The external overdue factor came with credit bureau reports (credit migration 0016 publishes
it as a new version of the card in force): absent a report it scores 0, so nobody's score
moved when it arrived; the DTI and DSCR take the larger of the declared debt service and
the one the report shows at other lenders.

Master scale, shared: scaling 600 points at good:bad odds 50:1, 20 points to double the
odds. Cut-offs every 30 points from 720 (AAA) down to 510 (CC), C below; each grade's PD
is the scale's PD at the middle of its band (cut-off + 15; 495 for C).
"""

from __future__ import annotations

from credit.scoring import pd_from_score

SCALING = {"base_score": 600, "base_odds": 50, "pdo": 20}
CUTOFFS = [
    ("AAA", 720),
    ("AA", 690),
    ("A", 660),
    ("BBB", 630),
    ("BB", 600),
    ("B", 570),
    ("CCC", 540),
    ("CC", 510),
    ("C", 0),
]


def master_scale() -> list[dict]:
    return [
        {
            "grade": grade,
            "min_score": cutoff,
            "pd": float(pd_from_score(cutoff + 15 if cutoff else 495, SCALING)),
        }
        for grade, cutoff in CUTOFFS
    ]


def _number(value) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def numeric(key, label, dimension, edges, points, missing, weight=1):
    """Bins from edges [e1, e2, …]: (<e1), [e1, e2), …, (≥ last); labels name the range."""
    bins = []
    bounds = [None, *edges, None]
    for index, value in enumerate(points):
        lower, upper = bounds[index], bounds[index + 1]
        if lower is None:
            label_text = f"< {_number(upper)}"
        elif upper is None:
            label_text = f"≥ {_number(lower)}"
        else:
            label_text = f"{_number(lower)} – {_number(upper)}"
        bins.append({"label": label_text, "lower": lower, "upper": upper, "points": value})
    for bin_ in bins:
        if bin_["lower"] is None:
            del bin_["lower"]
        if bin_["upper"] is None:
            del bin_["upper"]
    return {
        "key": key,
        "label": label,
        "dimension": dimension,
        "type": "numeric",
        "weight": weight,
        "bins": bins,
        "missing_points": missing,
    }


def categorical(key, label, dimension, mapping, missing, expert=True):
    return {
        "key": key,
        "label": label,
        "dimension": dimension,
        "type": "categorical",
        "weight": 1,
        "expert": expert,
        "missing_points": missing,
        "bins": [
            {"label": name, "categories": categories, "points": points}
            for name, categories, points in mapping
        ],
    }


def expert_1_to_5(key, label, points_3, points_4, points_5, missing):
    return categorical(
        key,
        label,
        "qualitative",
        [
            ("1–2 poor", ["1", "2"], 0),
            ("3 fair", ["3"], points_3),
            ("4 good", ["4"], points_4),
            ("5 excellent", ["5"], points_5),
        ],
        missing,
    )


# The overdue history at other lenders, from the latest credit bureau report
# (credit/bureau_figures.py: 0 clean … 3 worse than 60 days). It only ever takes points away
# and a customer without a report scores 0 on it, exactly as before the factor existed.
EXTERNAL_OVERDUE = categorical(
    "external_overdue",
    "Overdue at other lenders, last 24 months (credit bureau)",
    "debt_service",
    [
        ("No overdue", ["0"], 0),
        ("Worst 1–30 days (M1)", ["1"], -10),
        ("Worst 31–60 days (M2)", ["2"], -25),
        ("Worst over 60 days (M3+)", ["3"], -45),
    ],
    0,
    expert=False,
)

REPAYMENT_RECORD = [
    numeric(
        "late_payments_12m",
        "Late payments, last 12 months",
        "debt_service",
        [1, 2],
        [40, 15, 0],
        20,
    ),
    numeric(
        "late_payments_36m",
        "Late payments, last 36 months",
        "debt_service",
        [1, 3],
        [25, 10, 0],
        12,
    ),
    numeric(
        "worst_dpd_ever",
        "Worst days past due ever",
        "debt_service",
        [1, 31, 91],
        [25, 15, 5, 0],
        12,
    ),
    EXTERNAL_OVERDUE,
]


def individual_definition() -> dict:
    return {
        "scaling": SCALING,
        "base_points": 420,
        "factors": [
            numeric(
                "net_worth",
                "Net worth (¥)",
                "financial_condition",
                [0, 200_000, 1_000_000],
                [0, 15, 30, 45],
                10,
            ),
            numeric(
                "monthly_income",
                "Monthly income (¥)",
                "financial_condition",
                [5_000, 10_000, 20_000],
                [5, 15, 25, 35],
                5,
            ),
            numeric("dti", "Debt to income", "debt_service", [0.2, 0.35, 0.5], [50, 35, 15, 0], 15),
            *REPAYMENT_RECORD,
            numeric(
                "years_employed",
                "Years with the current employer",
                "operational_stability",
                [1, 3, 10],
                [5, 15, 25, 35],
                5,
            ),
            numeric(
                "income_growth",
                "Income growth",
                "development_prospects",
                [-0.1, 0.05],
                [0, 10, 20],
                8,
            ),
            expert_1_to_5("character", "Character", 10, 20, 30, 10),
            expert_1_to_5("reputation", "Reputation", 8, 15, 20, 8),
        ],
        "grades": master_scale(),
    }


def enterprise_definition() -> dict:
    return {
        "scaling": SCALING,
        "base_points": 380,
        "factors": [
            numeric(
                "total_assets",
                "Total assets (¥)",
                "financial_condition",
                [5_000_000, 50_000_000, 500_000_000],
                [5, 15, 25, 35],
                5,
            ),
            numeric(
                "current_ratio",
                "Current ratio",
                "financial_condition",
                [1, 1.5, 2],
                [0, 15, 25, 30],
                8,
            ),
            numeric(
                "debt_ratio",
                "Debt ratio",
                "financial_condition",
                [0.4, 0.6, 0.8],
                [30, 20, 8, 0],
                8,
            ),
            numeric(
                "dscr",
                "Debt-service coverage (DSCR)",
                "debt_service",
                [1, 1.25, 2],
                [0, 15, 35, 45],
                10,
            ),
            *REPAYMENT_RECORD,
            numeric(
                "years_in_business",
                "Years in business",
                "operational_stability",
                [2, 5, 10],
                [0, 10, 20, 30],
                0,
            ),
            categorical(
                "market_position",
                "Market position",
                "operational_stability",
                [
                    ("Leader", ["leader"], 25),
                    ("Established", ["established"], 18),
                    ("Niche", ["niche"], 10),
                    ("Weak", ["weak"], 0),
                ],
                5,
            ),
            categorical(
                "industry_outlook",
                "Industry outlook",
                "development_prospects",
                [
                    ("Positive", ["positive"], 20),
                    ("Stable", ["stable"], 12),
                    ("Negative", ["negative"], 0),
                ],
                8,
            ),
            numeric(
                "revenue_growth",
                "Revenue growth",
                "development_prospects",
                [-0.1, 0.05, 0.2],
                [0, 8, 15, 20],
                6,
            ),
            expert_1_to_5("management_quality", "Management quality", 8, 15, 20, 6),
            expert_1_to_5("reputation", "Reputation", 6, 12, 15, 5),
            expert_1_to_5("transparency", "Transparency", 6, 12, 15, 5),
        ],
        "grades": master_scale(),
    }
