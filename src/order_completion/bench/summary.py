"""The summary of a run: every figure the run measured that has a target, each beside the
raw limit measured in the same run, because on a shared machine a figure means something
only next to what the machine could do at that moment."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from order_completion.bench.report import Grid

TITLE = "Summary: figures against their targets and the raw limits of this run"
HEADERS = ("figure", "target", "measured", "raw limit", "ratio")


@dataclass(frozen=True)
class Goal:
    """A target: at least (rates) or at most (rows, bytes, latencies) ``value``."""

    value: float
    at_most: bool = False

    def met(self, measured: float) -> bool:
        return measured <= self.value if self.at_most else measured >= self.value

    @staticmethod
    def at_least(value: float) -> Goal:
        return Goal(value)

    @staticmethod
    def no_more_than(value: float) -> Goal:
        return Goal(value, at_most=True)


@dataclass(frozen=True)
class Figure:
    """One measured figure of one database, with its target and its raw limit."""

    name: str
    database: str
    measured: float
    unit: str = ""
    goal: Goal | None = None
    raw: float | None = None
    raw_source: str = ""
    decimals: int = 0

    def amount(self, value: float) -> str:
        return f"{value:,.{self.decimals}f}{self.unit}"

    def cells(self) -> list[str]:
        target = "—"
        measured = self.amount(self.measured)
        if self.goal is not None:
            target = ("≤ " if self.goal.at_most else "≥ ") + self.amount(self.goal.value)
            measured += " ✓" if self.goal.met(self.measured) else " ✗"
        raw = "—"
        ratio = "—"
        if self.raw is not None:
            raw = self.amount(self.raw) + (f" ({self.raw_source})" if self.raw_source else "")
            ratio = f"{self.measured / self.raw:.0%}" if self.raw else "—"
        return [f"{self.name} ({self.database})", target, measured, raw, ratio]


def grouped(figures: Iterable[Figure]) -> list[Figure]:
    """Figures of the same name together (SQLite beside PostgreSQL), names in the order
    they were first measured."""
    by_name: dict[str, list[Figure]] = {}
    for figure in figures:
        by_name.setdefault(figure.name, []).append(figure)
    return [figure for same in by_name.values() for figure in same]


def grid(figures: Sequence[Figure]) -> Grid:
    return Grid(TITLE, HEADERS, [figure.cells() for figure in grouped(figures)])
