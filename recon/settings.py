"""Where things live: the warehouse file, the dlt pipeline state, the demo world."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WAREHOUSE = Path("warehouse") / "recon.duckdb"
DEFAULT_DEMO_WORLD = Path("demo") / "world"
WAREHOUSE_ENV = "RECON_WAREHOUSE"
# Reference material and real Mirakl payloads kept beside the repository (../shared).
SHARED_DIR = Path(os.environ.get("RECON_SHARED_DIR") or PROJECT_ROOT.parent / "shared")


def resolve_warehouse(path: str | Path | None = None) -> Path:
    """The warehouse file: an explicit path, else $RECON_WAREHOUSE, else warehouse/recon.duckdb."""
    chosen = Path(path) if path else Path(os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE)
    return chosen.expanduser().resolve()


def pipelines_dir(warehouse: Path) -> Path:
    """dlt keeps its working state beside the warehouse, so two warehouses never share state."""
    return warehouse.parent / ".dlt_pipelines" / warehouse.stem


# Which ERP feeds the canonical ERP layer, and which one holds the ledger and bank deposits
# (commerce platforms keep no general ledger, so their finance side usually arrives as files).
ERP_SYSTEM_ENV = "RECON_ERP_SYSTEM"
FINANCE_SYSTEM_ENV = "RECON_FINANCE_SYSTEM"
DEFAULT_ERP_SYSTEM = "erp_files"
# Where the ledger and bank deposits come from when the ERP keeps no general ledger.
DEFAULT_FINANCE_SYSTEM = "erp_files"
STAGING_DIR = PROJECT_ROOT / "dbt_project" / "models" / "staging"


class SettingsError(ValueError):
    """A [recon] setting names something recon cannot use; the message names the setting."""


def configured_erp_system() -> str:
    """$RECON_ERP_SYSTEM, else [recon] erp_system in .dlt/config.toml, else erp_files."""
    return os.environ.get(ERP_SYSTEM_ENV) or _recon_config("erp_system") or DEFAULT_ERP_SYSTEM


def ledger_systems() -> list[str]:
    """Systems recon lands a general ledger from: those with ledger staging in the dbt project.

    The one list of them: a system keeps a ledger for recon when
    `staging/<system>/stg_<system>__ledger_entries.sql` exists (BigCommerce and Magento, say,
    have none: they keep no general ledger).
    """
    return sorted(
        folder.name
        for folder in STAGING_DIR.iterdir()
        if (folder / f"stg_{folder.name}__ledger_entries.sql").exists()
    )


def default_finance_system(erp_system: str) -> str:
    """The ERP itself when it keeps a general ledger, else the ERP file exports."""
    return erp_system if erp_system in ledger_systems() else DEFAULT_FINANCE_SYSTEM


def configured_finance_system(erp_system: str | None = None) -> str:
    """$RECON_FINANCE_SYSTEM, else [recon] finance_system, else the ERP when it keeps a general
    ledger, else erp_files. A finance system named explicitly must keep one (SettingsError)."""
    explicit = os.environ.get(FINANCE_SYSTEM_ENV) or _recon_config("finance_system")
    if not explicit:
        return default_finance_system(erp_system or configured_erp_system())
    if explicit not in ledger_systems():
        raise SettingsError(
            f"finance_system = {explicit!r} (${FINANCE_SYSTEM_ENV} or [recon] finance_system in "
            f".dlt/config.toml) names a system recon lands no general ledger from; it must be "
            f"one of {', '.join(ledger_systems())}, or be left unset to take the ledger from "
            f"the ERP when it keeps one and from the ERP file exports ({DEFAULT_FINANCE_SYSTEM}) "
            "otherwise"
        )
    return explicit


def configured_extra_sources() -> list[str]:
    """Sources landed beside Mirakl and the ERP, e.g. a planning tool: [recon] extra_sources."""
    value = _recon_config("extra_sources")
    if not value:
        return []
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return [str(name) for name in value]


def _recon_config(key: str):
    import dlt

    try:
        return dlt.config.get(f"recon.{key}")
    except Exception:  # no config file or no such key: the default applies
        return None
