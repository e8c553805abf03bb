"""The codes the risk jobs store read as words, in the reader's language: a customer's risk
history ("风险等级: 中 → 高", not "medium → high"), the job runs on the risk page (their job,
their status and their counters) and the same in admin."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation

from risk import jobs
from risk.job_labels import COUNTER_NAMES, JOB_NAMES
from risk.models import HistoryKind, RiskHistory
from tests.platform.test_chinese_everywhere import visible_texts

DAY = dt.date(2025, 2, 16)


def page_in(client, user, url: str, language: str) -> str:
    user.language = language
    user.save(update_fields=["language"])
    response = client(user).get(url)
    assert response.status_code == 200, url
    return " ".join(visible_texts(response.content.decode()))


@pytest.fixture
def history(risky_loan):
    """A risk level that rose and a loan that fell from normal to loss, as the nightly job
    records them: the codes ("medium", "5") the migration matrices group by."""
    customer = risky_loan.customer
    RiskHistory.objects.create(
        kind=HistoryKind.RISK_LEVEL,
        customer=customer,
        changed_on=DAY,
        old_value="medium",
        new_value="high",
    )
    RiskHistory.objects.create(
        kind=HistoryKind.CLASSIFICATION,
        customer=customer,
        loan=risky_loan,
        changed_on=DAY,
        old_value="1",
        new_value="5",
    )
    return customer


@pytest.mark.parametrize(
    ("language", "risk_level", "classification"),
    [
        ("zh-hans", "风险等级: 中 → 高", "五级分类: 正常 → 损失"),
        ("en", "Risk level: Medium → High", "Classification: Normal → Loss"),
    ],
)
def test_risk_history_shows_the_labels_of_levels_and_classes(
    client_for, alice, history, language, risk_level, classification
):
    page = page_in(client_for, alice, reverse("customers:detail", args=[history.pk]), language)
    assert risk_level in page
    assert classification in page
    assert "medium" not in page and "→ 5" not in page


def test_admin_risk_history_shows_the_labels(client_for, admin_user, history):
    page = page_in(client_for, admin_user, reverse("admin:risk_riskhistory_changelist"), "zh-hans")
    assert "中" in page and "高" in page and "正常" in page and "损失" in page
    assert "medium" not in page


@pytest.fixture
def nightly_run(risky_loan, settings):
    settings.BUSINESS_DATE = DAY
    return jobs.run_synchronously(jobs.NIGHTLY, DAY)


def test_risk_page_names_the_jobs_and_their_counters(client_for, mary, nightly_run):
    assert nightly_run.counts["loans_added"] > 0
    page = page_in(client_for, mary, reverse("risk:overview"), "zh-hans")
    assert "夜间风险重算" in page
    assert f"新增贷款 {nightly_run.counts['loans_added']}" in page
    assert "已完成" in page
    assert "risk.nightly" not in page
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", page), "a counter shown by its code"

    page = page_in(client_for, mary, reverse("risk:overview"), "en")
    assert f"loans added {nightly_run.counts['loans_added']}" in page
    assert "Nightly risk recompute" in page


def test_admin_job_runs_name_the_job_and_counters(client_for, admin_user, nightly_run):
    page = page_in(client_for, admin_user, reverse("admin:risk_jobrun_changelist"), "zh-hans")
    assert "夜间风险重算" in page
    assert "新增贷款" in page
    assert "loans_added" not in page and "risk.nightly" not in page


def counters_in_the_code() -> set[str]:
    """Every counter risk.recompute and risk.jobs add to a run."""
    base = Path(django_settings.BASE_DIR) / "risk"
    source = (base / "recompute.py").read_text() + (base / "jobs.py").read_text()
    added = set(re.findall(r'result\.add\("(\w+)"', source))
    assert added, "risk.recompute adds its counters with result.add"
    return added | set(re.findall(r'"(\w+)": int\(', source))


def test_every_job_and_counter_has_a_name_in_both_languages():
    assert set(jobs.JOBS) <= set(JOB_NAMES)
    counters = counters_in_the_code()
    assert "chunks_skipped" in counters
    assert counters <= set(COUNTER_NAMES), counters - set(COUNTER_NAMES)
    with translation.override("zh-hans"):
        untranslated = [
            str(name)
            for name in [*JOB_NAMES.values(), *COUNTER_NAMES.values()]
            if not re.search(r"[\u4e00-\u9fff]", str(name))
        ]
    assert untranslated == []
