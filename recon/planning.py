"""Whether a planning tool (Inventory Planner) takes part in a run.

A planning tool is an extra source beside Mirakl and the ERP. The dbt project builds its
staging, its forecast velocity and the planning stock drift only when var('planning_system')
names it; recon sets that var when ``[recon] extra_sources`` lists the tool *and* its tables
are landed in the warehouse, so a configured tool that has not been ingested yet never breaks
a build.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from recon.settings import configured_extra_sources

NO_PLANNING = "none"
# Planning tools the dbt project knows, each with the table that proves it is landed.
PLANNING_TABLES = {"inventory_planner": ("inventory_planner", "variants")}


def planning_landed(warehouse: Path, system: str = "inventory_planner") -> bool:
    """Whether `warehouse` holds the planning tool's landed variants (at least one row)."""
    schema, table = PLANNING_TABLES[system]
    if not Path(warehouse).exists():
        return False
    with duckdb.connect(str(warehouse), read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
        if not exists:
            return False
        return con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0] > 0


def planning_system(warehouse: Path) -> str:
    """The configured planning tool when its tables are landed in `warehouse`, else "none"."""
    for system in configured_extra_sources():
        if system in PLANNING_TABLES and planning_landed(warehouse, system):
            return system
    return NO_PLANNING
