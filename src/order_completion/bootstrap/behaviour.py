"""What each feature does for a case, wired here so features stay unaware of each other:
the starter of each step kind, the job of each timer kind, the projectors that turn a
case's events into rows, and how the outbox builds the events stored as facts."""

from __future__ import annotations

from order_completion.acceptance import behaviour as acceptance
from order_completion.cases import behaviour as case_jobs
from order_completion.cases.aggregate import CaseBehaviour
from order_completion.cases.projection import CallProjector, CaseProjector, TimerProjector
from order_completion.cases.rules import StepKind
from order_completion.cases.unit_of_work import Projector
from order_completion.certificates.projection import CertificateProjector
from order_completion.commissioning import behaviour as commissioning
from order_completion.customer_records import behaviour as customer_records
from order_completion.events import outbox
from order_completion.interactions import behaviour as interactions
from order_completion.interactions.projection import InteractionProjector
from order_completion.processflow.projection import ProcessFlowProjector
from order_completion.processflow.representation import DERIVATIONS as PROCESS_FLOW_EVENTS
from order_completion.surveys import behaviour as surveys
from order_completion.timers.rules import TimerKind
from order_completion.training import behaviour as training

BEHAVIOUR = CaseBehaviour(
    starters={
        StepKind.READY_FOR_SERVICE_NOTICE: interactions.send_ready_for_service_notice,
        StepKind.COMMISSIONING_TEST: commissioning.start,
        StepKind.ACCEPTANCE: acceptance.start,
        StepKind.CUSTOMER_UPDATE: customer_records.update_customer_records,
        StepKind.TRAINING: training.start,
        StepKind.SATISFACTION_SURVEY: surveys.start,
    },
    jobs={
        TimerKind.ACCEPTANCE_WINDOW_END: acceptance.on_window_end,
        TimerKind.ACCEPTANCE_REMINDER: acceptance.on_reminder,
        TimerKind.JEOPARDY_WARNING: case_jobs.on_jeopardy_warning,
        TimerKind.JEOPARDY_BREACH: case_jobs.on_jeopardy_breach,
        TimerKind.TRAINING_DUE: training.on_due,
        TimerKind.SURVEY_AUTO_CLOSE: surveys.on_auto_close,
    },
)

# The order matters: a case event is written before the TMF701 event that mirrors it.
PROJECTORS: tuple[Projector, ...] = (
    CaseProjector(),
    ProcessFlowProjector(),
    InteractionProjector(),
    TimerProjector(),
    CallProjector(),
    CertificateProjector(),
)

# How the outbox builds the events that features store as facts (the TMF701 flows).
DERIVATIONS: outbox.Derivations = {**PROCESS_FLOW_EVENTS}
