"""Pure rules of attachments: which files a case takes, and what their names may be.

Evidence (test-set reports, photos, signed documents) comes from people in the field: the
rules keep out what no one should store or serve back (executables, markup a browser would
run, names that climb out of a folder).
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

NAME_LENGTH = 200
MEDIA_TYPE_LENGTH = 100


class EvidenceOf(StrEnum):
    """What an attachment backs, once a test run or a decision names it."""

    COMMISSIONING_RUN = "commissioningRun"
    ACCEPTANCE_DECISION = "acceptanceDecision"


def media_type_problem(media_type: str, allowed: frozenset[str]) -> str | None:
    """Why a body of ``media_type`` is refused, or None (parameters such as charset are
    ignored)."""
    essence = media_type.split(";", 1)[0].strip().lower()
    if not essence:
        return "send the file's media type as Content-Type"
    if len(essence) > MEDIA_TYPE_LENGTH:
        return f"a media type has at most {MEDIA_TYPE_LENGTH} characters"
    if essence not in allowed:
        return f"{essence} is not taken; allowed: {', '.join(sorted(allowed))}"
    return None


def essence_of(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def name_problem(name: str) -> str | None:
    """Why a file name is refused, or None: 1 to 200 characters, no folder, no control
    characters, not a hidden or relative name."""
    if not name or len(name) > NAME_LENGTH:
        return f"the name must be 1 to {NAME_LENGTH} characters"
    if "/" in name or "\\" in name or name in (".", ".."):
        return "the name may not name a folder"
    if name.startswith("."):
        return "the name may not begin with a dot"
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in name):
        return "the name may not hold control or format characters"
    return None
