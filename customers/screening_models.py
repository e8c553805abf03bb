"""Watch lists (sanctions, PEP, internal black lists) and the screening hits they raise.

Imported by customers/models.py, so the models belong to the customers app. The logic that
fills them is customers/screening.py; names are compared in their normalised form
(customers/screening_names.py), identifiers through the same keyed hash customers are found
by (customers.models.resident_id_digest), so no identifier is kept in clear here.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WatchList(models.Model):
    """One list by its source ("UN", "OFAC", "PBOC-internal"): the version imported last."""

    source = models.CharField(_("source"), max_length=60, unique=True)
    list_date = models.DateField(_("list date"))
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("watch list")
        verbose_name_plural = _("watch lists")
        ordering = ["source"]

    def __str__(self) -> str:
        return f"{self.source} ({self.list_date:%Y-%m-%d})"


class WatchListEntry(models.Model):
    """A listed person or organisation. An entry the latest version no longer lists is kept
    (its hits point at it) but marked delisted, and matches nobody any more."""

    watch_list = models.ForeignKey(
        WatchList, verbose_name=_("watch list"), on_delete=models.CASCADE, related_name="entries"
    )
    reference = models.CharField(_("reference"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    aliases = ArrayField(
        models.CharField(max_length=200), verbose_name=_("aliases"), default=list, blank=True
    )
    # The normalised name and aliases (screening_names.normalise_name), matched exactly.
    name_keys = ArrayField(models.CharField(max_length=200), default=list, editable=False)
    # Keyed hashes of the listed ID numbers (customers.models.resident_id_digest); the masked
    # tails are what people see.
    id_hashes = ArrayField(models.CharField(max_length=64), default=list, editable=False)
    id_tails = ArrayField(
        models.CharField(max_length=4), verbose_name=_("ID numbers"), default=list, blank=True
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    delisted_on = models.DateField(_("delisted"), null=True, blank=True)

    class Meta:
        verbose_name = _("watch-list entry")
        verbose_name_plural = _("watch-list entries")
        ordering = ["watch_list", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["watch_list", "reference"], name="watch_list_entry_reference_unique"
            )
        ]
        indexes = [
            GinIndex(fields=["name_keys"], name="watch_list_entry_name_keys"),
            GinIndex(fields=["id_hashes"], name="watch_list_entry_id_hashes"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_ids(self) -> list[str]:
        return [f"****{tail}" for tail in self.id_tails]


class MatchKind(models.TextChoices):
    ID_NUMBER = "id_number", _("ID number")
    NAME = "name", _("Name")
    ALIAS = "alias", _("Alias")


class HitStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONFIRMED = "confirmed", _("Confirmed match")
    CLEARING_PROPOSED = "clearing_proposed", _("Clearing proposed")
    CLEARED = "cleared", _("Cleared (false positive)")


# A customer with a hit in one of these may not be onboarded further (screening_blocks): a
# proposed clearing is not a clearing until someone else approves it.
BLOCKING_HIT_STATUSES = (HitStatus.OPEN, HitStatus.CONFIRMED, HitStatus.CLEARING_PROPOSED)


class ScreeningHit(models.Model):
    """A customer who matches a watch-list entry: one row per (customer, entry), ever, so a
    rescreen never raises the same hit twice and a cleared hit stays cleared."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="screening_hits",
    )
    entry = models.ForeignKey(
        WatchListEntry,
        verbose_name=_("watch-list entry"),
        on_delete=models.PROTECT,
        related_name="hits",
    )
    matched_on = models.CharField(_("matched on"), max_length=12, choices=MatchKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=HitStatus.choices, default=HitStatus.OPEN
    )
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    # Confirming needs one person: it raises recorded risk.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Clearing lowers recorded risk: proposed by one person, approved by another.
    clear_reason = models.TextField(_("reason for clearing"), blank=True)
    clear_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clearing proposed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    clear_proposed_at = models.DateTimeField(_("clearing proposed"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clearing approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)

    class Meta:
        verbose_name = _("screening hit")
        verbose_name_plural = _("screening hits")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "entry"], name="screening_hit_unique"),
            models.CheckConstraint(
                condition=~models.Q(status="cleared")
                | (
                    models.Q(cleared_by__isnull=False, clear_proposed_by__isnull=False)
                    & ~models.Q(cleared_by=models.F("clear_proposed_by"))
                ),
                name="screening_hit_cleared_by_two",
            ),
        ]
        indexes = [models.Index(fields=["status", "-raised_at"], name="screening_hit_queue")]

    def __str__(self) -> str:
        return f"{self.customer} ~ {self.entry}"

    @property
    def blocks(self) -> bool:
        return self.status in BLOCKING_HIT_STATUSES
