"""The owners documents attach to, registered by the app that holds each (the same registry
as customers.panels), so the document store on the customers floor reaches lending's
applications, loans and collateral and credit's bureau consents without importing them.

An owner kind registers:
- `get_for(user, pk)`: the owner's own scoped getter, a 404 for what the user may not see
  (customers.selectors.customer_get_for, lending.selectors.application_get_for, ...): every
  upload, download and deletion passes through it, so documents are exactly as visible as
  what they hang off;
- `customer_of(owner)`: the customer it belongs to;
- `url_of(owner)`: its page, where the documents panel sits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404


@dataclass(frozen=True)
class OwnerKind:
    kind: str
    get_for: Callable
    customer_of: Callable
    url_of: Callable


OWNERS: dict[str, OwnerKind] = {}


def register_owner(
    kind: str, *, get_for: Callable, customer_of: Callable, url_of: Callable
) -> OwnerKind:
    OWNERS[kind] = OwnerKind(kind=kind, get_for=get_for, customer_of=customer_of, url_of=url_of)
    return OWNERS[kind]


def owner_get_for(user, kind: str, pk):
    """(the owner kind, the owner) if `user` sees it; a 404 otherwise, as for a kind nobody
    registered (an inspection before inspections exist)."""
    owner_kind = OWNERS.get(kind)
    if owner_kind is None:
        raise Http404
    return owner_kind, owner_kind.get_for(user, pk)
