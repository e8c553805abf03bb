"""No table of the project has two indexes that are one and the same: the same columns in the
same order with the same operator classes, collations and sort orders, the same expressions
and the same condition (unique or not: a unique index serves every read the other would). A
copy costs an entry with every row written and serves no read the other does not; a foreign
key's own index beside a declared index over the same column was such a copy (risk 0037)."""

import pytest
from django.apps import apps
from django.db import connection

from tests.conftest import PROJECT_APPS

pytestmark = pytest.mark.django_db

SAME_INDEXES = """
SELECT i.indrelid::regclass::text,
       array_agg(i.indexrelid::regclass::text ORDER BY i.indexrelid::regclass::text)
FROM pg_index i
WHERE i.indrelid = ANY(ARRAY(SELECT to_regclass(t) FROM unnest(%s::text[]) t))
GROUP BY i.indrelid, i.indkey::text, i.indnkeyatts, i.indclass::text, i.indcollation::text,
         i.indoption::text, pg_get_expr(i.indexprs, i.indrelid),
         pg_get_expr(i.indpred, i.indrelid)
HAVING count(*) > 1
ORDER BY 1
"""


def _project_tables() -> list[str]:
    return sorted(
        {
            model._meta.db_table
            for app in PROJECT_APPS
            for model in apps.get_app_config(app).get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
    )


def test_no_table_has_two_indexes_that_are_one_and_the_same():
    tables = _project_tables()
    assert {"risk_loanrisk", "risk_loanprovision", "credit_loan"} <= set(tables)
    with connection.cursor() as cursor:
        cursor.execute(SAME_INDEXES, [tables])
        copies = cursor.fetchall()
    assert copies == [], f"indexes that are copies of one another: {copies}"
