"""What a higher floor adds to risk's work without risk depending on it (the house's registry,
as customers.hooks and customers.panels). The dashboards register both from their
AppConfig.ready().

- Chunk hooks, `register_chunk_hook(begin=..., end=...)`: every chunk of the nightly or of
  the scan (risk.recompute.process_chunk) calls each `begin(cursor)` in its transaction once
  it holds its locks, before it writes, and each `end(cursor)` after its last write, before
  it commits, in reverse order (the last to begin ends first). The dashboards' book figures
  collect the chunk's differences in between and add them at its end, so two chunks at once
  hold the figure rows for a moment each, not for their whole transaction.
- The class distribution, `register_class_counts(reader)`: `reader(user)` returns
  {class: active loans} in the user's scope for the risk page. The dashboards read it from
  their book figures instead of grouping every loan in scope; without a reader the page
  groups the loans (risk.selectors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ChunkHook:
    begin: Callable
    end: Callable


CHUNK_HOOKS: list[ChunkHook] = []
CLASS_COUNT_READERS: list[Callable] = []


def register_chunk_hook(*, begin: Callable, end: Callable) -> ChunkHook:
    hook = ChunkHook(begin=begin, end=end)
    if hook not in CHUNK_HOOKS:
        CHUNK_HOOKS.append(hook)
    return hook


def chunk_begun(cursor) -> None:
    for hook in CHUNK_HOOKS:
        hook.begin(cursor)


def chunk_ending(cursor) -> None:
    for hook in reversed(CHUNK_HOOKS):
        hook.end(cursor)


def register_class_counts(reader: Callable) -> Callable:
    """One reader answers; a second registration replaces the first (a reader is a faster
    way to the same numbers, so two would only disagree)."""
    CLASS_COUNT_READERS[:] = [reader]
    return reader
