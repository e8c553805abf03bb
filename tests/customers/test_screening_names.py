"""Watch-list names meet the customers' names whatever their width, script, case or spacing
(customers/screening_names.py: pure, no database)."""

import pytest

from customers.screening_names import name_keys, normalise_name


@pytest.mark.parametrize(
    ("listed", "typed"),
    [
        # Full-width Latin letters and an ideographic space, as typed on a Chinese keyboard.
        ("ＺＨＡＮＧ　Ｗｅｉ", "Zhang Wei"),
        # Traditional characters against simplified ones.
        ("張偉", "张伟"),
        ("陳國強", "陈国强"),
        # Spaces, hyphens, the transliteration dot and commas are not part of a name.
        ("阿卜杜拉·艾力", "阿卜杜拉 艾力"),
        ("Zhang-Wei", "zhang wei"),
        ("O'Brien, Patrick", "OBRIEN PATRICK"),
        # Full-width brackets around an enterprise's legal form.
        ("華盛（香港）貿易有限公司", "华盛(香港)贸易有限公司"),
    ],
)
def test_names_that_are_the_same_meet(listed, typed):
    assert normalise_name(listed) == normalise_name(typed)
    assert normalise_name(listed)


@pytest.mark.parametrize(
    ("listed", "typed"), [("张伟", "张玮"), ("Zhang Wei", "Zhang Wen"), ("李明", "李明明")]
)
def test_different_names_do_not_meet(listed, typed):
    assert normalise_name(listed) != normalise_name(typed)


def test_keys_of_a_name_and_its_aliases_are_distinct_and_the_name_comes_first():
    assert name_keys("張偉", ["Zhang Wei", "张 伟", "—"]) == ["张伟", "zhangwei"]
