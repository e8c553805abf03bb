"""The assessment form is laid out as the credit policy is (one fieldset per dimension, each
factor on one row with its source and its comment), and the result says where the points
went and why the score is what it is."""

import datetime as dt
import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from credit import default_scorecards, scoring, services
from credit.forms import category_choices
from credit.models import Assessment, FinancialStatement, ScorecardStatus, ScorecardVersion
from tests.customers import factories

FROZEN_SCORECARDS = (
    Path(scoring.__file__).parent
    / "migrations"
    / "data"
    / "0002_reference_data.default_scorecards.json"
)
VOID_ELEMENTS = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class Page(HTMLParser):
    """Every element of a page with the attributes of the elements it sits inside."""

    def __init__(self, html: str):
        super().__init__()
        self.open: list[dict] = []
        self.elements: list[dict] = []
        self.texts: list[tuple[list[dict], str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, **{name: value or "" for name, value in attrs}}
        element["inside"] = list(self.open)
        self.elements.append(element)
        if tag not in VOID_ELEMENTS:
            self.open.append(element)

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth]["tag"] == tag:
                del self.open[depth:]
                break

    def handle_data(self, data):
        if data.strip():
            self.texts.append((list(self.open), data.strip()))

    def by_id(self, element_id: str) -> dict:
        (element,) = [e for e in self.elements if e.get("id") == element_id]
        return element

    def text_inside(self, **attribute) -> str:
        ((name, value),) = attribute.items()
        return " ".join(
            text for inside, text in self.texts if any(e.get(name) == value for e in inside)
        )

    def visible_text(self) -> str:
        hidden = {"script", "style", "title"}
        return " ".join(
            text for inside, text in self.texts if not any(e["tag"] in hidden for e in inside)
        )


def _row_of(page: Page, element_id: str) -> str | None:
    rows = [e["data-factor"] for e in page.by_id(element_id)["inside"] if "data-factor" in e]
    return rows[-1] if rows else None


def _in_force(kind: str) -> dict:
    return ScorecardVersion.objects.get(
        customer_kind=kind, status=ScorecardStatus.PUBLISHED
    ).definition


def _dimension_order(definition: dict) -> list[str]:
    return list(dict.fromkeys(scoring.factor_dimension(f) for f in definition["factors"]))


@pytest.fixture
def customers(alice):
    return {
        "individual": factories.individual(alice),
        "enterprise": factories.enterprise(alice),
    }


@pytest.mark.parametrize("kind", ["individual", "enterprise"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_form_has_a_fieldset_per_dimension_and_one_row_per_factor(
    client_for, alice, customers, kind, language
):
    alice.language = language
    alice.save(update_fields=["language"])
    definition = _in_force(kind)
    response = client_for(alice).get(reverse("credit:assess", args=[customers[kind].pk]))
    assert response.status_code == 200
    page = Page(response.content.decode())

    fieldsets = [e["data-dimension"] for e in page.elements if e["tag"] == "fieldset"]
    assert fieldsets == _dimension_order(definition)
    assert fieldsets == [
        "financial_condition",
        "debt_service",
        "operational_stability",
        "development_prospects",
        "qualitative",
    ]
    for factor in definition["factors"]:
        key = factor["key"]
        # The factor's input and, for an expert factor, its comment sit in the factor's row,
        # and that row in the fieldset of the factor's dimension.
        assert _row_of(page, f"id_{key}") == key
        if factor.get("expert"):
            assert _row_of(page, f"id_{key}__comment") == key
        field = page.by_id(f"id_{key}")
        assert [e["data-dimension"] for e in field["inside"] if e["tag"] == "fieldset"] == [
            factor["dimension"]
        ]
    comments = [e["id"] for e in page.elements if re.fullmatch(r"id_\w+__comment", e.get("id", ""))]
    assert sorted(comments) == sorted(
        f"id_{f['key']}__comment" for f in definition["factors"] if f.get("expert")
    )


def test_each_factor_says_where_its_value_came_from(client_for, alice, customers):
    customer = customers["enterprise"]
    page = Page(
        client_for(alice).get(reverse("credit:assess", args=[customer.pk])).content.decode()
    )
    # The customer record knows the founding date only when it was given; no statement yet.
    assert "From the repayment record." not in page.text_inside(**{"data-factor": "dscr"})
    assert "Not in the records" in page.text_inside(**{"data-factor": "dscr"})
    assert "explain the score in the comment" in page.text_inside(
        **{"data-factor": "management_quality"}
    )


def test_prefilled_values_name_the_statement_they_come_from(
    client_for, alice, graded_customer, on_business_date
):
    statement = FinancialStatement(
        customer=graded_customer,
        period_end=on_business_date.replace(month=1, day=1) - dt.timedelta(days=1),
        annual_income=Decimal("240000"),
        annual_expenses=Decimal("120000"),
        personal_assets=Decimal("900000"),
        personal_debts=Decimal("100000"),
        debt_service=Decimal("60000"),
    )
    services.statement_record(actor=alice, statement=statement)
    page = Page(
        client_for(alice).get(reverse("credit:assess", args=[graded_customer.pk])).content.decode()
    )
    assert page.by_id("id_net_worth")["value"] == "800000.0"
    assert (
        page.text_inside(**{"data-factor": "net_worth"}).count(
            f"From the statement ending {statement.period_end.isoformat()}."
        )
        == 1
    )
    assert "From the customer record." in page.text_inside(**{"data-factor": "monthly_income"})
    assert "Entered by the officer" in page.text_inside(**{"data-factor": "years_employed"})


def _default_definitions():
    frozen = json.loads(FROZEN_SCORECARDS.read_text())
    return [
        ("module individual", default_scorecards.individual_definition()),
        ("module enterprise", default_scorecards.enterprise_definition()),
        *((f"frozen {kind}", definition) for kind, definition in frozen.items()),
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_no_two_options_of_a_factor_read_the_same(language):
    from django.utils import translation

    with translation.override(language):
        for name, definition in _default_definitions():
            for factor in definition["factors"]:
                if factor["type"] != "categorical":
                    continue
                labels = [str(label) for _value, label in category_choices(factor)]
                assert len(labels) == len(set(labels)), (name, factor["key"], labels)
                values = [value for value, _label in category_choices(factor)]
                assert values == [str(c) for b in factor["bins"] for c in b["categories"]]


def test_the_seeded_scorecards_options_are_unique_on_the_page(client_for, alice, customers):
    for customer in customers.values():
        html = client_for(alice).get(reverse("credit:assess", args=[customer.pk])).content
        for select in re.findall(r"<select.*?</select>", html.decode(), flags=re.S):
            labels = re.findall(r"<option[^>]*>([^<]*)</option>", select)
            assert len(labels) == len(set(labels)), labels


@pytest.mark.parametrize("kind", ["individual", "enterprise"])
def test_the_chinese_form_shows_no_english_factor_or_option_label(
    client_for, alice, customers, kind
):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    definition = _in_force(kind)
    html = client_for(alice).get(reverse("credit:assess", args=[customers[kind].pk]))
    page = Page(html.content.decode())
    text = page.visible_text()
    english = {factor["label"] for factor in definition["factors"]}
    english |= {
        b["label"] for f in definition["factors"] if f["type"] == "categorical" for b in f["bins"]
    }
    english = {label for label in english if re.search(r"[A-Za-z]{2,}", label)}
    assert english, "the default scorecards have English labels to translate"
    assert [label for label in english if label in text] == []
    legends = [text for inside, text in page.texts if inside and inside[-1]["tag"] == "legend"]
    assert len(legends) == 5
    assert all(re.search(r"[\u4e00-\u9fff]", legend) for legend in legends), legends
    assert not any(re.search(r"[A-Za-z]{3,}", legend) for legend in legends), legends


def _detail(client, assessment) -> Page:
    response = client.get(reverse("credit:assessment-detail", args=[assessment.pk]))
    assert response.status_code == 200
    return Page(response.content.decode())


def test_the_result_shows_points_by_dimension_adding_up_to_the_score(
    client_for, alice, graded_customer, django_assert_num_queries
):
    assessment = Assessment.objects.get(customer=graded_customer)
    client = client_for(alice)
    client.get(reverse("credit:assessment-detail", args=[assessment.pk]))
    # Session, user, and the assessment with its customer and scorecard in one join: the
    # dimensions and the reasons are computed from the stored points and the version's
    # definition, without a query of their own.
    with django_assert_num_queries(3):
        page = _detail(client, assessment)
    rows = [e for e in page.elements if e["tag"] == "tr" and "data-dimension" in e]
    assert [row["data-dimension"] for row in rows] == [
        "base",
        "financial_condition",
        "debt_service",
        "operational_stability",
        "development_prospects",
        "qualitative",
    ]
    points = {
        e["inside"][-1]["data-dimension"]: Decimal(e["data-points"])
        for e in page.elements
        if "data-points" in e
    }
    # graded_customer by hand: net worth 30 + income 25; dti 35 + record 40 + 25 + 25;
    # 5 years employed 25; income growth 20; character 20 + reputation 15; base 420.
    assert points == {
        "base": 420,
        "financial_condition": 55,
        "debt_service": 125,
        "operational_stability": 25,
        "development_prospects": 20,
        "qualitative": 35,
    }
    assert sum(points.values()) == assessment.score == 680
    assert page.text_inside(**{"data-testid": "total-score"}) == "680"


def test_the_result_gives_the_main_reasons_largest_loss_first(client_for, alice, graded_customer):
    assessment = Assessment.objects.get(customer=graded_customer)
    page = _detail(client_for(alice), assessment)
    reasons = [e for e in page.elements if e["tag"] == "li" and "data-lost" in e]
    # Lost against the best bin: net worth 45 − 30, dti 50 − 35, income 35 − 25, years
    # employed 35 − 25, character 30 − 20 (fifth: four reasons are shown), reputation 20 − 15.
    assert [(r["data-factor"], Decimal(r["data-lost"])) for r in reasons] == [
        ("net_worth", 15),
        ("dti", 15),
        ("monthly_income", 10),
        ("years_employed", 10),
    ]
    listed = page.text_inside(**{"data-testid": "reasons"})
    for words in (
        "Net worth is low (¥500,000.00)",
        "Debt payments take a large share of income (25.0%)",
        "Monthly income is low (¥15,000.00)",
        "Short time with the current employer (5.0 years)",
    ):
        assert words in listed


def test_the_chinese_result_names_dimensions_in_chinese(client_for, alice, graded_customer):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    page = _detail(client_for(alice), Assessment.objects.get(customer=graded_customer))
    table = page.text_inside(**{"data-testid": "points-by-dimension"})
    for english in ("Financial condition", "Debt-service capacity", "Qualitative (expert)"):
        assert english not in table
    assert "4 good" not in page.visible_text()


def test_an_outsider_gets_404_on_the_form_and_the_result(client_for, charlie, graded_customer):
    client = client_for(charlie)
    assessment = Assessment.objects.get(customer=graded_customer)
    assert client.get(reverse("credit:assess", args=[graded_customer.pk])).status_code == 404
    detail = reverse("credit:assessment-detail", args=[assessment.pk])
    assert client.get(detail).status_code == 404
