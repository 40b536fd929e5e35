"""Schemathesis against the served OpenAPI document: whatever valid or invalid input it
sends, no 5xx and no response that breaks the documented schema.

Schemathesis's pytest plugin does not load on this pytest, so the test drives its
hypothesis strategies itself, operation by operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import ADMIN_TOKEN
from tests.e2e.conftest import Server, start_server, stop_server

EXAMPLES = 12


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("fuzz")
    server = start_server(folder, f"sqlite:///{folder / 'fuzz.db'}")
    yield server
    stop_server(server)


def takes_input(operation: Any) -> bool:
    """Whether the operation has parameters or a body, so an invalid form of it exists."""
    return any(True for _ in operation.iter_parameters()) or bool(operation.body)


def _exercise(operation: Any, mode: GenerationMode) -> str | None:
    """Run one operation's generated cases; the first failure, described, or None. Any
    other error (generating a case, a health check of the generator) fails the run: an
    error nobody expected is never taken for a pass."""
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        try:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                checks=[not_a_server_error, response_schema_conformance],
            )
        except Exception as error:  # collect, then report every operation at once
            failures.append(f"{operation.label} [{mode.value}]: {error}")
            raise

    try:
        run()
    except Unsatisfiable:
        # The one expected refusal: an operation without inputs has no invalid form.
        if mode is GenerationMode.NEGATIVE and not takes_input(operation):
            return None
        raise
    except Exception:
        if failures:
            return failures[0]
        raise
    return None


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_error_and_every_response_fits_its_schema(
    live_server: Server, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    problems = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:
        problem = _exercise(operation, mode)
        if problem:
            problems.append(problem[:1500])
    assert not problems, "\n\n".join(problems)


class BrokenOperation:
    """An operation whose case generation fails with an error nobody expects."""

    label = "GET /broken"
    body: tuple[Any, ...] = ()

    def iter_parameters(self) -> Iterator[Any]:
        yield "id"

    def as_strategy(self, generation_mode: GenerationMode) -> st.SearchStrategy[Any]:
        def fail(_: int) -> Any:
            raise RuntimeError("the generator broke")

        return st.integers().map(fail)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_an_error_the_run_did_not_expect_fails_it(mode: GenerationMode) -> None:
    with pytest.raises(RuntimeError, match="the generator broke"):
        _exercise(BrokenOperation(), mode)
