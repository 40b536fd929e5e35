"""Reading policy files: the bundled ones, then a folder of extra ones that add to them or
replace them by ``id``. A bad file stops start-up with the file, the path inside it and the
problem."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from order_completion.policies.schema import Policy


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names file, path and problem."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [
            f"{source}: {path}: {problem}" if path else f"{source}: {problem}"
            for path, problem in problems
        ]
        super().__init__("\n".join(lines))


class PolicyFolderError(PolicyError):
    """Every bad file of a policy folder at once, so that one run names them all rather
    than one per attempt."""

    def __init__(self, folder: str, errors: list[PolicyError]) -> None:
        problems = [
            (f"{error.source}: {path}" if path else error.source, problem)
            for error in errors
            for path, problem in error.problems
        ]
        super().__init__(folder, problems)
        self.errors = errors
        self.args = ("\n".join(str(error) for error in errors),)


def format_location(location: Iterable[int | str]) -> str:
    """``("steps", 2, "window", "businessDays")`` → ``steps[2].window.businessDays``."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _readable_location(location: tuple[int | str, ...]) -> tuple[int | str, ...]:
    # A discriminated union puts the tag (the step kind) into the location; drop it.
    kinds = {
        "readyForServiceNotice",
        "commissioningTest",
        "acceptance",
        "customerUpdate",
        "training",
        "satisfactionSurvey",
    }
    return tuple(part for part in location if not (isinstance(part, str) and part in kinds))


def parse_policy(text: str, source: str) -> Policy:
    """Validate one policy document; raise ``PolicyError`` with every problem found."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise PolicyError(source, [(where, f"not valid YAML: {problem}")]) from error
    if not isinstance(data, dict):
        raise PolicyError(source, [("", "a policy file must hold one mapping (id, version, ...)")])
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        problems = [
            (format_location(_readable_location(tuple(item["loc"]))), _clean(item["msg"]))
            for item in error.errors()
        ]
        raise PolicyError(source, problems) from error


def _clean(message: str) -> str:
    return message.removeprefix("Value error, ")


def load_file(path: Path) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyError(str(path), [("", f"cannot be read: {error.strerror}")]) from error
    return parse_policy(text, str(path))


def bundled_policies() -> list[Policy]:
    folder = resources.files("order_completion.policies") / "bundled"
    return [
        parse_policy(entry.read_text(encoding="utf-8"), f"bundled/{entry.name}")
        for entry in sorted(folder.iterdir(), key=lambda item: item.name)
        if entry.name.endswith((".yaml", ".yml"))
    ]


def load_policies(extra_dir: Path | None) -> list[Policy]:
    """Bundled policies, overridden or extended by every ``*.yaml`` in ``extra_dir``."""
    by_id = {policy.id: policy for policy in bundled_policies()}
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise PolicyError(str(extra_dir), [("", "policy folder does not exist")])
        seen: dict[str, Path] = {}
        bad: list[PolicyError] = []
        for path in sorted([*extra_dir.glob("*.yaml"), *extra_dir.glob("*.yml")]):
            try:
                policy = load_file(path)
            except PolicyError as error:
                bad.append(error)
                continue
            if policy.id in seen:
                bad.append(
                    PolicyError(
                        str(path),
                        [("id", f"{policy.id!r} is already defined in {seen[policy.id]}")],
                    )
                )
                continue
            seen[policy.id] = path
            by_id[policy.id] = policy
        if bad:
            raise PolicyFolderError(str(extra_dir), bad)
    return list(by_id.values())
