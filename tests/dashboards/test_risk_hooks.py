"""The dashboards' part in risk's work, registered from their AppConfig.ready() through
risk.hooks (risk, a floor below, never imports them): the book figures follow the nightly's
chunks, and the risk page's class distribution is read from them."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import figures
from dashboards.models import BookFigure
from lending.models import LoanClass
from risk import hooks
from risk.recompute import process_chunk

NIGHT = dt.date(2025, 6, 1)


def test_a_chunk_adds_the_book_figures_differences_once_at_its_end(risky_loan):
    """Two chunks at once hold the figure rows for a moment each: the triggers collect the
    chunk's differences from before its first write, and it adds them after its last."""
    customer = risky_loan.customer_id
    with CaptureQueriesContext(connection) as chunk:
        process_chunk(customer, customer, NIGHT)
    # The chunk's own statements, without the savepoint the test's transaction gives it.
    statements = [
        query["sql"]
        for query in chunk.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    starts = [
        i for i, sql in enumerate(statements) if f"TEMPORARY TABLE {_deferred_table()}" in sql
    ]
    assert len(starts) == 1, "the chunk did not collect the figures' differences once"
    collecting = starts[0]
    # Before it: only the chunk's locks and its job setting, nothing written.
    assert all(sql.lstrip().startswith("SELECT") for sql in statements[:collecting])
    added = [
        i
        for i, sql in enumerate(statements)
        if sql.startswith(f"INSERT INTO {figures.TABLE}") and figures.DEFERRED_TABLE in sql
    ]
    # Once, and only the job setting is switched off after it.
    assert added == [len(statements) - 2]
    assert "set_config" in statements[-1]
    # 111 days past due: substandard, and the figures say so as a rebuild from the book would.
    officer = risky_loan.customer.officer_id
    by_class = BookFigure.objects.filter(officer_id=officer, dimension="class", loans__gt=0)
    assert dict(by_class.values_list("key", "loans")) == {str(LoanClass.SUBSTANDARD.value): 1}
    kept = _book_figures()
    figures.rebuild()
    assert _book_figures() == kept


def _book_figures() -> list[tuple]:
    """The figures of the book (rows all zero are what a loan that moved on leaves behind)."""
    return sorted(
        (row.officer_id, row.branch_id, row.dimension, row.key, *_values(row))
        for row in BookFigure.objects.exclude(loans=0, exposure=0)
    )


def _deferred_table() -> str:
    return figures.DEFERRED_TABLE.removeprefix("pg_temp.")


def test_the_risk_page_counts_classes_from_the_book_figures(client_for, mary, book, monkeypatch):
    """Not by grouping every loan in scope, and with the counts the loans give."""
    client = client_for(mary)
    client.get(reverse("risk:overview"))  # the session's first request loads more
    with CaptureQueriesContext(connection) as page:
        from_figures = client.get(reverse("risk:overview")).context["class_rows"]
    assert any(figures.TABLE in query["sql"] for query in page.captured_queries)
    # Mary's branch: the risky loan (substandard) and the current one; the South's is not hers.
    assert [count for _code, _label, count in from_figures] == [1, 0, 1, 0, 0]

    monkeypatch.setattr(hooks, "CLASS_COUNT_READERS", [])
    with CaptureQueriesContext(connection) as grouped:
        from_loans = client.get(reverse("risk:overview")).context["class_rows"]
    assert not any(figures.TABLE in query["sql"] for query in grouped.captured_queries)
    assert from_loans == from_figures
    assert len(grouped.captured_queries) == len(page.captured_queries)


def _values(row) -> tuple:
    return tuple(getattr(row, name) for name in figures.FIGURES)
