"""The digitalisation portfolio: projects, the staff they need, scenarios, levelling.

Modules: ``repository`` (all queries: roles, projects, staff, scenarios, snapshots),
``tables`` (CSV/XLSX import and export of the workshop list), ``service`` (import, the current
plan with a scenario, the gap report), ``levelling`` (moving starts with OR-Tools CP-SAT to
lower the peak gap). The arithmetic itself is pure and lives in ``eakte.core.portfolio``.
"""
