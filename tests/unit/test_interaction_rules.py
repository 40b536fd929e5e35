"""What a patch may change on a logged interaction, by who logged it."""

from __future__ import annotations

from order_completion.interactions.rules import Origin, refused_change

CALLED = [{"text": "Called"}]


def test_a_manual_interaction_may_change_anything() -> None:
    assert refused_change(Origin.MANUAL, {"status", "reason", "note"}, CALLED, []) is None


def test_an_automatic_interaction_takes_notes_appended_after_its_own() -> None:
    added = [*CALLED, {"text": "Confirmed"}]
    assert refused_change(Origin.AUTOMATIC, {"note"}, CALLED, added) is None


def test_an_automatic_interaction_refuses_the_first_other_attribute_by_name() -> None:
    assert refused_change(Origin.AUTOMATIC, {"status", "note"}, [], CALLED) == "status"
    assert refused_change(Origin.AUTOMATIC, {"@type"}, [], []) == "@type"


def test_an_automatic_interaction_keeps_its_notes() -> None:
    assert refused_change(Origin.AUTOMATIC, {"note"}, CALLED, []) == "note"
    assert refused_change(Origin.AUTOMATIC, {"note"}, CALLED, [{"text": "Other"}]) == "note"
