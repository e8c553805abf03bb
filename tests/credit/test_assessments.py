import copy
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from credit import services
from credit.models import Assessment, FinancialStatement, ScorecardVersion


def test_assessment_is_reproducible_and_records_everything(graded_customer):
    assessment = Assessment.objects.get()
    # The card in force: the seeded v1 with the credit bureau factor (credit 0016), v2.
    assert assessment.scorecard.version == 2
    assert set(assessment.factor_points) == {
        f["key"] for f in assessment.scorecard.definition["factors"]
    }
    assert assessment.factor_points["dti"] == "35.00"
    assert assessment.expert_comments["character"] == "Known for ten years"
    result = services.assessment_rescore(assessment)
    assert (result.score, result.grade) == (assessment.score, assessment.grade) == (680, "A")
    assert AuditEvent.objects.filter(action="customers.customer.graded").exists()


def test_expert_scores_need_a_comment(alice, graded_customer):
    with pytest.raises(ValidationError) as error:
        services.assessment_create(
            actor=alice, customer=graded_customer, inputs={"character": "5"}, expert_comments={}
        )
    assert "character" in error.value.message_dict


def test_publishing_a_new_version_never_rewrites_past_assessments(admin_user, graded_customer):
    old = Assessment.objects.get()
    current = old.scorecard
    definition = copy.deepcopy(current.definition)
    definition["base_points"] = 300  # a much stricter card
    draft = services.scorecard_draft_save(
        actor=admin_user,
        version=ScorecardVersion(
            name="Individual scorecard", customer_kind="individual", definition=definition
        ),
    )
    # The next number after the card in force (v2: the seeded v1 with the bureau factor).
    assert (draft.version, draft.status) == (current.version + 1, "draft")
    services.scorecard_publish(actor=admin_user, version=draft)
    current.refresh_from_db()
    assert current.status == "retired"
    old.refresh_from_db()
    assert (old.score, old.grade, old.scorecard_id) == (680, "A", current.pk)
    assert services.assessment_rescore(old).score == 680
    assert services.scorecard_in_force("individual").pk == draft.pk


def test_a_published_version_cannot_change_even_in_sql(graded_customer):
    version = ScorecardVersion.objects.get(customer_kind="individual", status="published")
    with pytest.raises(DatabaseError, match="cannot change"), transaction.atomic():
        ScorecardVersion.objects.filter(pk=version.pk).update(definition={})
    with (
        pytest.raises(DatabaseError, match="cannot be deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM credit_scorecardversion WHERE id = %s", [version.pk])
    with pytest.raises(ValidationError), transaction.atomic():
        services.scorecard_draft_save(actor=None, version=version)


def test_an_invalid_draft_is_refused(admin_user):
    with pytest.raises(ValidationError):
        services.scorecard_draft_save(
            actor=admin_user,
            version=ScorecardVersion(
                name="Broken", customer_kind="individual", definition={"factors": []}
            ),
        )


def test_prefill_comes_from_the_latest_statement(alice, graded_customer, on_business_date):
    for year, income in ((2024, "200000"), (2025, "240000")):
        services.statement_record(
            actor=alice,
            statement=FinancialStatement(
                customer=graded_customer,
                period_end=dt.date(year, 12, 31),
                annual_income=Decimal(income),
                personal_assets=Decimal("900000"),
                personal_debts=Decimal("300000"),
                debt_service=Decimal("60000"),
            ),
        )
    inputs, statement = services.assessment_prefill(graded_customer)
    assert statement.period_end == dt.date(2025, 12, 31)
    assert inputs["net_worth"] == 600000.0
    assert inputs["dti"] == 0.25
    assert inputs["income_growth"] == 0.2
    assert inputs["late_payments_12m"] is None  # no loan history yet: scored as missing


def test_admin_compares_a_draft_with_the_card_in_force_and_publishes_it(
    client_for, admin_user, graded_customer
):
    current = ScorecardVersion.objects.get(customer_kind="individual", status="published")
    client = client_for(admin_user)
    changelist = client.get("/admin/credit/scorecardversion/").content.decode()
    assert f"/credit/scorecards/{current.pk}/monitoring/" in changelist
    definition = copy.deepcopy(current.definition)
    definition["base_points"] = 390
    draft = services.scorecard_draft_save(
        actor=admin_user,
        version=ScorecardVersion(
            name="Stricter", customer_kind="individual", definition=definition
        ),
    )
    assert (
        f"/credit/scorecards/{draft.pk}/compare/"
        in client.get("/admin/credit/scorecardversion/").content.decode()
    )
    preview = client.get(f"/credit/scorecards/{draft.pk}/compare/")
    row_a = next(row for row in preview.context["comparison"]["rows"] if row["grade"] == "A")
    assert row_a["champion"] == 1 and row_a["challenger"] == 0
    response = client.post(
        "/admin/credit/scorecardversion/", {"action": "publish", "_selected_action": [draft.pk]}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"


def test_admin_cannot_save_an_invalid_definition(client_for, admin_user):
    response = client_for(admin_user).post(
        "/admin/credit/scorecardversion/add/",
        {
            "name": "Bad",
            "customer_kind": "individual",
            "notes": "",
            "definition": '{"factors": []}',
        },
    )
    assert response.status_code == 200
    assert "There must be at least one factor." in response.content.decode()


def test_definition_problems_read_in_the_admins_language(client_for, admin_user):
    admin_user.language = "zh-hans"
    admin_user.save(update_fields=["language"])
    response = client_for(admin_user).post(
        "/admin/credit/scorecardversion/add/",
        {
            "name": "Bad",
            "customer_kind": "individual",
            "notes": "",
            "definition": '{"factors": []}',
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "至少需要一个因子。" in body and "必须有等级标尺。" in body
    assert not ScorecardVersion.objects.filter(name="Bad").exists()
