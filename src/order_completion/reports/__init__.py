"""The KPI report of completion: cycle time, first-time and deemed acceptance, retests,
on-time completion, training within its due date and satisfaction, per group and overall,
as JSON, CSV and SVG charts."""
