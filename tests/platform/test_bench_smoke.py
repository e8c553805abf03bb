"""The benchmark code on a tiny book, so `make bench` cannot rot between the runs that
measure it. Speed is not asserted here (bench/README and the README report it)."""

import datetime as dt

import pytest

from bench import run
from credit.models import Assessment, Instalment, Loan, Repayment
from crm_site import synthetic_book
from customers.models import Customer, Interaction

DAY0 = dt.date(2026, 3, 13)


@pytest.fixture
def tiny_book(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    timings = synthetic_book.generate(
        customers=300, loans=300, seed=7, today=DAY0, stdout=lambda text: None
    )
    timings["first nightly risk run"] = synthetic_book.first_risk_run(DAY0, lambda text: None)
    return timings


def test_the_synthetic_book_is_complete_and_consistent(tiny_book):
    assert Customer.objects.count() == 300
    assert Customer.objects.filter(kind="enterprise").exists()
    assert Assessment.objects.count() >= 300
    assert Loan.objects.count() == 300
    assert Interaction.objects.count() == 600
    for loan in Loan.objects.all()[:50]:
        rows = list(Instalment.objects.filter(loan=loan).order_by("number"))
        assert len(rows) == loan.term_months
        assert sum(row.principal_due for row in rows) == loan.principal
        paid = [row for row in rows if row.settled_on]
        assert all(row.due_date < DAY0 for row in paid)
        assert Repayment.objects.filter(loan=loan).count() == len(paid)
        assert loan.outstanding_principal == (
            0 if loan.status == "closed" else loan.principal - sum(r.principal_due for r in paid)
        )
    # A few percent of the book is overdue, across the buckets.
    overdue = Instalment.objects.filter(settled_on__isnull=True, due_date__lt=DAY0)
    assert 0 < overdue.values("loan").distinct().count() < 60


def test_the_bench_measures_a_book_and_a_rerun_writes_nothing(tiny_book):
    result = run.measure(
        scale="smoke",
        loans=300,
        url="",
        seed_timings={**tiny_book, "total": sum(tiny_book.values())},
        day0=DAY0,
        chunk_size=100,
        workers=False,
        requests=2,
    )
    assert result["rerun"]["rows_written"] == 0
    assert result["nightly"]["rows_written"] > 0
    assert result["naive"]["loans"] > 0 and result["speedup"] > 0
    pages = {(page["page"], page["role"]) for page in result["pages"]}
    assert ("dashboard", "manager") in pages and ("customer 360", "officer") in pages
    assert all(page["queries"] > 0 for page in result["pages"])
    text = run.render(result)
    assert "nightly recompute, typical night" in text and "p95 ms" in text
    assert result["verdicts"]["unchanged rerun writes 0 rows"] is True
