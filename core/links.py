"""Links to one page per row of a list, from a single reverse() per list."""

from collections.abc import Callable

from django.urls import reverse

# No table's primary key reaches it, so it stands for the pk alone in the reversed path.
_PK_PLACEHOLDER = 987_654_321_987_654_321


def pk_url(view_name: str) -> Callable[[int], str]:
    """`link(pk)` is `reverse(view_name, args=[pk])` for a URL that takes one integer pk.

    reverse() resolves the pattern and quotes the path on every call; a list page called it
    for each of its rows.
    """
    head, tail = reverse(view_name, args=[_PK_PLACEHOLDER]).split(str(_PK_PLACEHOLDER))
    return lambda pk: f"{head}{int(pk)}{tail}"
