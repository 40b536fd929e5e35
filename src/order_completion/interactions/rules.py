"""What may change on a logged interaction.

An interaction the service logged itself (a notice, a reminder, a decision) is the record of
something that happened: staff may annotate it, never rewrite or remove it. Interactions
staff logged by hand stay theirs to correct.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from enum import StrEnum
from typing import Any


class Origin(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


ANNOTATIONS = frozenset({"note"})


def refused_change(
    origin: Origin,
    given: Set[str],
    notes_before: Sequence[dict[str, Any]],
    notes_after: Sequence[dict[str, Any]],
) -> str | None:
    """The first attribute a patch may not change on an interaction of this origin, or
    None. On an automatic record only new notes may be appended after the existing ones."""
    if origin is Origin.MANUAL:
        return None
    for name in sorted(given):
        if name not in ANNOTATIONS:
            return name
    if "note" in given and list(notes_after[: len(notes_before)]) != list(notes_before):
        return "note"
    return None
