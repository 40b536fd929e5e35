"""Roles and what each may do: one table, read by every route and by the README.

Pure: the service decides who the caller is; these rules decide what that caller may do.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    ORDER_MANAGER = "orderManager"
    ENGINEER = "engineer"
    TRAINER = "trainer"
    INTEGRATION = "integration"
    VIEWER = "viewer"


class Permission(StrEnum):
    READ = "read"  # read every resource, and the hubs the caller registered
    OPEN_CASE = "openCase"  # open a case (completionCase, processFlow)
    MANAGE_CASE = "manageCase"  # hold, resume, cancel, delete a case; name its policy
    FORCE_CASE = "forceCase"  # open a case for an order in no trigger state
    RECORD_TEST = "recordTest"  # report commissioning test runs
    RECORD_DECISION = "recordDecision"  # record the customer's acceptance decision
    MANAGE_TRAINING = "manageTraining"  # book and close training sessions
    RECORD_SURVEY = "recordSurvey"  # record the customer's survey answer
    MANAGE_INTERACTIONS = "manageInteractions"  # log, change, delete party interactions
    MANAGE_APPOINTMENTS = "manageAppointments"  # book and move appointments
    MANAGE_HUBS = "manageHubs"  # register and remove event subscriptions
    RECEIVE_EVENTS = "receiveEvents"  # post to inbound listeners
    MANAGE_TOKENS = "manageTokens"  # reserved for administrators


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # Everything but the inbound listeners, which only integrations feed.
    Role.ADMIN: frozenset(set(Permission) - {Permission.RECEIVE_EVENTS}),
    Role.ORDER_MANAGER: frozenset(
        {
            Permission.READ,
            Permission.OPEN_CASE,
            Permission.MANAGE_CASE,
            Permission.RECORD_DECISION,
            Permission.RECORD_SURVEY,
            Permission.MANAGE_TRAINING,
            Permission.MANAGE_INTERACTIONS,
            Permission.MANAGE_APPOINTMENTS,
            Permission.MANAGE_HUBS,
        }
    ),
    Role.ENGINEER: frozenset(
        {
            Permission.READ,
            Permission.RECORD_TEST,
            Permission.MANAGE_APPOINTMENTS,
            Permission.MANAGE_INTERACTIONS,
        }
    ),
    Role.TRAINER: frozenset(
        {
            Permission.READ,
            Permission.MANAGE_TRAINING,
            Permission.MANAGE_APPOINTMENTS,
            Permission.MANAGE_INTERACTIONS,
        }
    ),
    Role.INTEGRATION: frozenset(
        {
            Permission.READ,
            Permission.OPEN_CASE,
            Permission.RECEIVE_EVENTS,
            Permission.MANAGE_HUBS,
            Permission.RECORD_TEST,
            Permission.RECORD_DECISION,
            Permission.RECORD_SURVEY,
        }
    ),
    Role.VIEWER: frozenset({Permission.READ}),
}


# What the service's own tools (the CLI, the demo, the bench, the tests' helpers) may do:
# they act for the operator who runs them, not for a caller of the API.
OPERATOR_PERMISSIONS = frozenset(Permission)


def permissions_of(roles: Iterable[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def known_roles(names: Iterable[str]) -> list[Role]:
    """The roles among ``names`` this service knows; others are ignored."""
    values = {role.value: role for role in Role}
    return [values[name] for name in names if name in values]


LONGEST_SUBJECT = 200


def subject_problem(subject: str) -> str | None:
    """Why a JWT's ``sub`` cannot name a caller, or None. It becomes the caller's name in
    the audit trail and, digested, the owner of their hubs: it must be text that can be
    stored and shown (no lone surrogate, no control character) of a sane length."""
    if len(subject) > LONGEST_SUBJECT:
        return f"the token's 'sub' claim is longer than {LONGEST_SUBJECT} characters"
    if any(0xD800 <= ord(c) <= 0xDFFF or ord(c) < 32 or 127 <= ord(c) < 160 for c in subject):
        return "the token's 'sub' claim holds a control character or a lone surrogate"
    return None


LONGEST_STAFF_NAME = 100
SHORTEST_PASSWORD = 10
LONGEST_PASSWORD = 1000  # Argon2 takes any length; this bounds the work one sign-in can ask


def staff_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a person who signs in, or None: it is shown in the history
    of every case they change, so it is a short line of printable text."""
    if not name.strip() or name != name.strip():
        return "a name must not be empty or start or end with a space"
    if len(name) > LONGEST_STAFF_NAME:
        return f"a name is at most {LONGEST_STAFF_NAME} characters"
    if any(ord(c) < 32 or 127 <= ord(c) < 160 or 0xD800 <= ord(c) <= 0xDFFF for c in name):
        return "a name must not hold control characters"
    return None


def password_problem(password: str) -> str | None:
    """Why ``password`` is too weak or too long to keep, or None."""
    if len(password) < SHORTEST_PASSWORD:
        return f"a password needs at least {SHORTEST_PASSWORD} characters"
    if len(password) > LONGEST_PASSWORD:
        return f"a password is at most {LONGEST_PASSWORD} characters"
    return None


# Sign-in throttling. Failed password sign-ins are counted per name typed (known or not, so
# a refusal never tells which names exist) and per client address (so one address cannot
# try one password on many names); past the limit within the window, that name's or that
# address's sign-ins are refused for the lockout, the right password included, and no
# password is checked meanwhile. Every attempt is counted before its password is checked
# (so parallel guesses cannot all slip in under the limit); a right password then takes its
# attempt back.
SIGN_IN_WINDOW = timedelta(minutes=15)
SIGN_IN_LOCKOUT = timedelta(minutes=15)
FAILURES_PER_NAME = 5
FAILURES_PER_ADDRESS = 20


class Counted(StrEnum):
    """What failed sign-ins are counted by."""

    NAME = "name"
    ADDRESS = "address"


LIMITS = {Counted.NAME: FAILURES_PER_NAME, Counted.ADDRESS: FAILURES_PER_ADDRESS}


@dataclass(frozen=True)
class Failures:
    """The failed sign-ins of one name or one address: how many since the first of the
    current window, and until when its sign-ins are refused (None: they are not)."""

    count: int
    since: datetime
    locked_until: datetime | None = None


COUNTER_PURPOSE = b"order-completion sign-in counters"


def counter_secret(server_key: bytes) -> bytes:
    """The key of the counters' digests, derived from a server secret under its own label
    so that it never reveals or reuses that secret."""
    return hmac.new(server_key, COUNTER_PURPOSE, hashlib.sha256).digest()


def counter_key(counted: Counted, value: str, secret: bytes) -> str:
    """The stored key of a name or an address: an HMAC under the server's ``secret``, so
    whatever a stranger types as a name is neither kept nor limited in length, and a copy
    of the table alone cannot be searched for a guessed name or address."""
    return hmac.new(secret, f"{counted.value}\0{value}".encode(), hashlib.sha256).hexdigest()


def refused_until(failures: Failures | None, now: datetime) -> datetime | None:
    """Until when sign-ins of these failures are refused, or None when they may try."""
    if failures is None or failures.locked_until is None or now >= failures.locked_until:
        return None
    return failures.locked_until


def after_failure(failures: Failures | None, now: datetime, limit: int) -> Failures:
    """The failures once one more is counted at ``now``: a new window when the last one
    (or its lockout) is over; locked for ``SIGN_IN_LOCKOUT`` once ``limit`` is reached."""
    fresh = (
        failures is None
        or now >= failures.since + SIGN_IN_WINDOW
        or (failures.locked_until is not None and now >= failures.locked_until)
    )
    count = 1 if failures is None or fresh else failures.count + 1
    since = now if failures is None or fresh else failures.since
    return Failures(count, since, now + SIGN_IN_LOCKOUT if count >= limit else None)


def taken_back(failures: Failures, limit: int) -> Failures | None:
    """The failures once an attempt counted in them proves to be the right password: one
    fewer (None: none left), and no longer locked unless the others alone reach ``limit``."""
    count = failures.count - 1
    if count <= 0:
        return None
    return Failures(count, failures.since, failures.locked_until if count >= limit else None)


def retry_after_seconds(until: datetime, now: datetime) -> int:
    """The ``Retry-After`` of a refusal lasting until ``until``: whole seconds, at least 1."""
    return max(1, math.ceil((until - now).total_seconds()))
