"""Columns that hold a copy of another table's value, kept equal to it by database triggers
(lending.customer_scope, lending.collateral_customer, risk.alert_scope): who may see a row,
or which range of an index a chunk reads, without joining the table the value comes from."""

from django.db import models


def copied_reference(to, *, db_index: bool = False) -> models.ForeignKey:
    """A reference the database keeps in step: no constraint (the trigger is its guarantee,
    and a foreign key would lock the referenced row on every copy), never edited by a form,
    empty until the trigger fills it."""
    return models.ForeignKey(
        to,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=db_index,
        null=True,
        editable=False,
        related_name="+",
    )
