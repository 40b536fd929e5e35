"""The KPI report as CSV (one line per group, then the overall line) and its metrics as
SVG charts drawn on the server with pygal, for pages to embed as images."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pygal
from pygal import etree
from pygal.style import Style

from order_completion.reports.rules import ChartMetric, spreadsheet_text
from order_completion.reports.service import Report

CSV = "text/csv"
SVG = "image/svg+xml"
CSV_DISPOSITION = 'attachment; filename="completion-kpis.csv"'
CHART_WIDTH, CHART_HEIGHT = 800, 400  # the SVG's view box, and the size pages show it at

# On import pygal appends to ``sys.meta_path`` a finder for its map plugins that predates
# ``find_spec``: every later import that fails anywhere in the process then warns through it
# (an error where warnings are). The report draws no maps, so that finder is taken out.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__module__ != pygal.__name__]

CSV_COLUMNS: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...] = (
    ("cases", lambda m: m["cases"]),
    ("cycle_time_median_hours", lambda m: m["cycleTimeHours"]["median"]),
    ("cycle_time_p90_hours", lambda m: m["cycleTimeHours"]["p90"]),
    ("first_time_acceptance_rate", lambda m: m["firstTimeAcceptanceRate"]),
    ("explicit_acceptances", lambda m: m["acceptance"]["explicit"]),
    ("deemed_acceptances", lambda m: m["acceptance"]["deemed"]),
    ("retests_per_case", lambda m: m["retestsPerCase"]["mean"]),
    ("on_time_completion_rate", lambda m: m["onTimeCompletion"]["rate"]),
    ("on_time_completion_cases", lambda m: m["onTimeCompletion"]["cases"]),
    ("training_within_due_rate", lambda m: m["trainingWithinDue"]["rate"]),
    ("training_cases", lambda m: m["trainingWithinDue"]["cases"]),
    ("satisfaction_mean", lambda m: m["satisfaction"]["mean"]),
    ("satisfaction_count", lambda m: m["satisfaction"]["count"]),
)


def report_csv(report: Report) -> str:
    """The report as CSV: a header, a line per group, and the overall line (group ``all``);
    a figure that does not apply is left empty, and a group's name is kept from reading as
    a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["group", *(name for name, _ in CSV_COLUMNS)])
    for key, figures in _lines(report):
        values = (pick(figures) for _, pick in CSV_COLUMNS)
        cells = ("" if value is None else value for value in values)
        writer.writerow([spreadsheet_text(key), *cells])
    return out.getvalue()


def _lines(report: Report) -> list[tuple[str, dict[str, Any]]]:
    return [(str(group["key"]), group) for group in report.groups] + [("all", report.overall)]


# Each chart: its title, and its series as (name, figure of a group's metrics).
CHARTS: dict[ChartMetric, tuple[str, Sequence[tuple[str, Callable[[dict[str, Any]], Any]]]]] = {
    ChartMetric.CYCLE_TIME: (
        "Ready for service to accepted (hours)",
        (
            ("median", lambda m: m["cycleTimeHours"]["median"]),
            ("p90", lambda m: m["cycleTimeHours"]["p90"]),
        ),
    ),
    ChartMetric.FIRST_TIME_ACCEPTANCE: (
        "First-time acceptance rate",
        (("rate", lambda m: m["firstTimeAcceptanceRate"]),),
    ),
    ChartMetric.ACCEPTANCE: (
        "Explicit and deemed acceptances",
        (
            ("explicit", lambda m: m["acceptance"]["explicit"]),
            ("deemed", lambda m: m["acceptance"]["deemed"]),
        ),
    ),
    ChartMetric.RETESTS: ("Retests per case", (("mean", lambda m: m["retestsPerCase"]["mean"]),)),
    ChartMetric.ON_TIME: (
        "On-time completion rate",
        (("rate", lambda m: m["onTimeCompletion"]["rate"]),),
    ),
    ChartMetric.TRAINING_WITHIN_DUE: (
        "Training completed within its due date",
        (("rate", lambda m: m["trainingWithinDue"]["rate"]),),
    ),
    ChartMetric.SATISFACTION: (
        "Satisfaction score (0-10)",
        (("mean", lambda m: m["satisfaction"]["mean"]),),
    ),
}

# Plain colours and fonts: the SVG stands alone (no script, no web font).
PLAIN = Style(
    background="white",
    plot_background="white",
    font_family="sans-serif",
    colors=("#1f5f99", "#e0892b"),
)


def report_chart(report: Report, metric: ChartMetric) -> bytes:
    """A bar chart of ``metric``: a bar per group (or one, ``all``) and series."""
    title, series = CHARTS[metric]
    lines = [(key, figures) for key, figures in _lines(report) if key != "all"] or _lines(report)
    chart = pygal.Bar(
        title=title,
        style=PLAIN,
        js=[],  # no script fetched from elsewhere
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        show_legend=len(series) > 1,
        print_values=False,
    )
    chart.x_labels = [key for key, _ in lines]
    for name, pick in series:
        chart.add(name, [pick(figures) for _, figures in lines])
    return _without_scripts(chart.render_tree())


def _without_scripts(svg: Any) -> bytes:
    """The chart without the script pygal always writes (its settings, for tooltips): the
    chart is an image, and an image of ours runs nothing."""
    for parent in list(svg.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rpartition("}")[2] == "script":
                parent.remove(child)
    rendered: bytes = etree.etree.tostring(svg, encoding="utf-8", xml_declaration=True)
    return rendered
