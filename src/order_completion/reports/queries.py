"""The KPI report's SQL, one statement per report and database: every figure is an
aggregate the database computes over the cohort's cases, never a list of rows brought into
Python.

The facts of a case are where their features keep them: its start of service, its target
and the dates of its first ready-for-service notice and readyForClosure on the case row
(columns written with the milestones, so that no milestone list is parsed per case), the
acceptance, training and survey outcomes on its steps (the survey's score in the step's
data), and its commissioning runs. Medians and 90th percentiles interpolate between the two
nearest values, as PostgreSQL's ``percentile_cont`` does; SQLite has no such function, so
there they are read off the values ranked by a window, a row's weight being its share of
the interpolation.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import TextClause, bindparam, text

from order_completion.cases.rules import Outcome, StepKind
from order_completion.database import UTCDateTime
from order_completion.reports.rules import GroupBy

# A case's retests: its commissioning runs but the first, counted on their case's index
# (NULL for a case that was never commissioned).
RETESTS = "(SELECT nullif(count(*), 0) - 1 FROM commissioning_run r WHERE r.case_id = c.id)"
STARTED = "c.start_of_service_date"
ACCEPTED = f"'{Outcome.ACCEPTED.value}', '{Outcome.DEEMED_ACCEPTED.value}'"
OVERALL = "'all'"


@dataclass(frozen=True)
class Dialect:
    """What differs between the two databases: dates, JSON and percentiles."""

    month: str  # the month of the start of service, as YYYY-MM
    hours_between: str  # hours from {start} to {end}
    score: str  # the survey's score in its step's data
    percentiles: bool  # whether percentile_cont exists


SQLITE = Dialect(
    month="strftime('%Y-%m', c.start_of_service_date)",
    hours_between="(({end}) - ({start})) * 24.0",
    score="json_extract(s.data, '$.score')",
    percentiles=False,
)
POSTGRES = Dialect(
    month="to_char(c.start_of_service_date, 'YYYY-MM')",
    hours_between="extract(epoch FROM ({end}) - ({start})) / 3600.0",
    score="(s.data ->> 'score')::numeric",
    percentiles=True,
)


def dialect_of(name: str) -> Dialect:
    return POSTGRES if name == "postgresql" else SQLITE


def _group_key(dialect: Dialect, group_by: GroupBy | None) -> str:
    if group_by is GroupBy.POLICY:
        return "c.policy_id"
    if group_by is GroupBy.CATEGORY:
        return "coalesce(c.order_category, '')"
    if group_by is GroupBy.MONTH:
        return dialect.month
    return OVERALL


def _moment(dialect: Dialect, expression: str) -> str:
    """A stored date as the report subtracts and compares it (a Julian day on SQLite)."""
    return expression if dialect.percentiles else f"julianday({expression})"


def facts(dialect: Dialect, group_by: GroupBy | None) -> str:
    """One row per case of the cohort: its group and each fact the metrics aggregate
    (NULL where one does not apply to the case), read straight off the case row, its
    acceptance, training and survey steps (each found on its case's index) and its
    commissioning runs."""
    ready, started = _moment(dialect, "c.ready_for_service_at"), _moment(dialect, STARTED)
    closure = _moment(dialect, "c.ready_for_closure_at")
    target = _moment(dialect, "c.target_completion_date")
    trained, expired = Outcome.TRAINED.value, Outcome.EXPIRED.value
    return f"""
    SELECT {_group_key(dialect, group_by)} AS grp,
      {dialect.hours_between.format(start=ready, end=started)} AS cycle_hours,
      CASE WHEN a.round = 1 THEN 1 ELSE 0 END AS first_time,
      CASE WHEN a.outcome = '{Outcome.DEEMED_ACCEPTED.value}' THEN 1 ELSE 0 END AS deemed,
      CASE WHEN a.outcome = '{Outcome.ACCEPTED.value}' THEN 1 ELSE 0 END AS explicit,
      {RETESTS} AS retests,
      CASE WHEN {closure} <= {target} THEN 1 WHEN {closure} > {target} THEN 0 END AS on_time,
      CASE WHEN t.outcome = '{trained}' AND (t.due_at IS NULL OR t.completed_at <= t.due_at)
             THEN 1
           WHEN t.outcome IN ('{trained}', '{expired}') THEN 0
      END AS training_on_time,
      {dialect.score} AS score
    FROM completion_case c
    JOIN case_step a ON a.case_id = c.id AND a.kind = '{StepKind.ACCEPTANCE.value}'
      AND a.outcome IN ({ACCEPTED})
    LEFT JOIN case_step t ON t.case_id = c.id AND t.kind = '{StepKind.TRAINING.value}'
    LEFT JOIN case_step s ON s.case_id = c.id AND s.kind = '{StepKind.SATISFACTION_SURVEY.value}'
      AND s.outcome = '{Outcome.RESPONDED.value}'
    WHERE {STARTED} >= :start AND {STARTED} < :end"""


AGGREGATES = """
      count(*) AS cases,
      avg(first_time * 1.0) AS first_time_rate,
      sum(explicit) AS explicit, sum(deemed) AS deemed,
      avg(retests * 1.0) AS retests_mean, count(retests) AS retests_cases,
      avg(on_time * 1.0) AS on_time_rate, count(on_time) AS on_time_cases,
      avg(training_on_time * 1.0) AS training_rate, count(training_on_time) AS training_cases,
      avg(score * 1.0) AS score_mean, count(score) AS score_count,
      count(cycle_hours) AS cycle_count"""


def _low_rank(fraction: float) -> tuple[str, str]:
    """Where the ``fraction`` percentile falls among a group's ranked cycle times, and the
    rank just below it (ranks from 0)."""
    position = f"((t.cycle_count - 1) * {fraction})"
    return position, f"CAST({position} AS INTEGER)"


def _ranks(fraction: float) -> str:
    """The two ranks the ``fraction`` percentile interpolates between: only their rows
    are summed."""
    low = _low_rank(fraction)[1]
    return f"{low}, {low} + 1"


def _ranked_percentile(fraction: float, label: str) -> str:
    """The ``fraction`` percentile of the ranked values ``x`` (rank ``i`` from 0 of the
    group's ``cycle_count``), interpolated like ``percentile_cont``: the value at rank
    floor((n-1)·f) weighs 1 - its remainder, the next one the remainder."""
    position, low = _low_rank(fraction)
    return f"""sum(CASE WHEN i = {low} THEN x * (1 - ({position} - {low}))
                 WHEN i = {low} + 1 THEN x * ({position} - {low}) ELSE 0 END) AS {label}"""


# The facts each case contributes to its group's figures and to the overall ones.
FACTS = "cycle_hours, first_time, deemed, explicit, retests, on_time, training_on_time, score"


def _scoped(group_by: GroupBy | None) -> str:
    """The facts once per figure they count in (``whole`` 1 for the overall one): twice
    when the report is grouped, so that one statement reads the cohort once for both."""
    overall = f"SELECT 1 AS whole, {OVERALL} AS grp, {FACTS} FROM facts"
    if group_by is None:
        return overall
    return f"SELECT 0 AS whole, grp, {FACTS} FROM facts UNION ALL {overall}"


def report_statement(dialect: Dialect, group_by: GroupBy | None) -> TextClause:
    """Every metric of every group of the cohort (``whole`` 0), and of the cohort as a
    whole (``whole`` 1, group ``all``), from one reading of the cohort."""
    if dialect.percentiles:
        groups = "GROUPING SETS ((grp), ())" if group_by else "grp"
        whole = "GROUPING(grp)" if group_by else "1"
        sql = f"""WITH facts AS ({facts(dialect, group_by)})
        SELECT {whole} AS whole, grp, {AGGREGATES},
          percentile_cont(0.5) WITHIN GROUP (ORDER BY cycle_hours) AS cycle_median,
          percentile_cont(0.9) WITHIN GROUP (ORDER BY cycle_hours) AS cycle_p90
        FROM facts GROUP BY {groups}"""
    else:
        sql = f"""WITH facts AS MATERIALIZED ({facts(dialect, group_by)}),
        scoped AS MATERIALIZED ({_scoped(group_by)}),
        totals AS MATERIALIZED (SELECT whole, grp, {AGGREGATES} FROM scoped GROUP BY whole, grp),
        ranked AS (
          SELECT whole, grp, cycle_hours AS x,
            row_number() OVER (PARTITION BY whole, grp ORDER BY cycle_hours) - 1 AS i
          FROM scoped WHERE cycle_hours IS NOT NULL),
        cycle AS (
          SELECT t.whole, t.grp, {_ranked_percentile(0.5, "cycle_median")},
            {_ranked_percentile(0.9, "cycle_p90")}
          FROM ranked r JOIN totals t ON t.whole = r.whole AND t.grp = r.grp
          WHERE r.i IN ({_ranks(0.5)}, {_ranks(0.9)})
          GROUP BY t.whole, t.grp)
        SELECT totals.*, cycle.cycle_median, cycle.cycle_p90
        FROM totals LEFT JOIN cycle ON cycle.whole = totals.whole AND cycle.grp = totals.grp"""
    return text(sql).bindparams(
        bindparam("start", type_=UTCDateTime()), bindparam("end", type_=UTCDateTime())
    )
