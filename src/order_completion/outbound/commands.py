"""The command every feature that owes calls handles when an attempt ends: the call as it
was claimed, what the attempt came to, and what that makes of the call."""

from __future__ import annotations

from dataclasses import dataclass

from order_completion.outbound.rules import AttemptOutcome, Verdict
from order_completion.outbound.store import ClaimedCall


@dataclass(frozen=True)
class RecordCall:
    """Write the attempt on the call's row and, in the same unit of work, on its case."""

    call: ClaimedCall
    outcome: AttemptOutcome
    verdict: Verdict
