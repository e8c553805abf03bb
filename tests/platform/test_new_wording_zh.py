"""Wording that reads differently in Chinese than a word-for-word catalogue would give: a
credit facility's own statuses, the details a facility's history records beside its fields,
and a refused filter named by its label."""

from django.utils import translation

from audit.actions import change_lines
from lending.facility_models import CreditFacility, FacilityStatus
from lending.models import LoanStatus


def test_a_facilitys_statuses_are_not_a_loans_in_chinese():
    with translation.override("zh-hans"):
        assert str(FacilityStatus.ACTIVE.label) == "有效"
        assert str(FacilityStatus.CLOSED.label) == "已关闭"
        # The loan's "Active" keeps its own wording.
        assert str(LoanStatus.ACTIVE.label) == "正常还款中"
    with translation.override("en"):
        assert str(FacilityStatus.ACTIVE.label) == "Active"


def test_facility_history_names_the_details_it_records():
    after = {"limit": "500000.00", "sublimit_by_product": {"CONS-01": "80000.00"}}
    with translation.override("zh-hans"):
        lines = change_lines(CreditFacility, None, after)
    assert lines[0] == "额度: 500000.00"
    assert lines[1].startswith("产品分项限额: ")
    with translation.override("en"):
        assert change_lines(CreditFacility, None, after)[1].startswith("Product sublimits: ")


def test_a_refused_drill_down_filter_is_named_in_the_readers_language(client, mary):
    mary.language = "zh-hans"
    mary.save(update_fields=["language"])
    client.force_login(mary)
    response = client.get("/risk/provisions/loans/", {"stage": "9", "loan_class": "7"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "阶段: " in page and "五级分类: " in page
    assert "stage: " not in page and "loan_class: " not in page


def test_closed_reads_as_a_status_not_as_the_closing_time_in_chinese():
    from credit.models import ScorecardAlertStatus
    from risk.models import ConductAlertStatus

    with translation.override("zh-hans"):
        assert str(ConductAlertStatus.CLOSED.label) == "已关闭"
        assert str(ScorecardAlertStatus.CLOSED.label) == "已关闭"


def test_the_alert_lists_default_filter_reads_as_not_yet_closed(client, alice):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    client.force_login(alice)
    page = client.get("/risk/alerts/").content.decode()
    assert ">未关闭</option>" in page
    assert "正常还款中" not in page
