"""Which warehouse the dashboard reads, and the published read snapshot it reads it through.

The app never opens the live warehouse: a run holds that one. It reads the snapshot each run
publishes at its end (swapped in by rename), opening a fresh read-only connection for every
batch of queries, so the next batch after a publish sees the new snapshot without a restart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from recon.settings import resolve_warehouse
from recon.warehouse import connect_for_reading, snapshot_path


def warehouse_from_argv(argv: Sequence[str] | None = None) -> Path:
    """`streamlit run app.py -- --warehouse PATH`; else $RECON_WAREHOUSE; else the default."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--warehouse", default=None)
    known, _ = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    return resolve_warehouse(known.warehouse)


@dataclass(frozen=True)
class Snapshot:
    """One published snapshot, identified by its file: a publish gives a new inode and mtime."""

    warehouse: Path
    path: Path
    inode: int
    mtime_ns: int
    size: int

    @property
    def identity(self) -> tuple[str, int, int, int]:
        return (str(self.path), self.inode, self.mtime_ns, self.size)

    @property
    def published_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.mtime_ns / 1e9, tz=dt.UTC)


def current_snapshot(warehouse: Path) -> Snapshot | None:
    """The snapshot published now, or None when no run has published one yet."""
    path = snapshot_path(warehouse)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return Snapshot(warehouse, path, stat.st_ino, stat.st_mtime_ns, stat.st_size)


class Reader:
    """One batch of queries: a read-only connection opened on first use, closed by close()."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._connection: duckdb.DuckDBPyConnection | None = None

    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._connection is None:
            # connect_for_reading falls back to the live warehouse when no snapshot exists;
            # the dashboard must never hold that file, so it insists on the snapshot.
            if not self.snapshot.path.exists():
                raise FileNotFoundError(
                    f"the read snapshot {self.snapshot.path} disappeared; "
                    "it comes back at the end of the next run"
                )
            self._connection = connect_for_reading(self.snapshot.warehouse)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
