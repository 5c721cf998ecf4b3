"""Who may write the warehouse, and the read snapshot everyone else opens.

DuckDB allows one writing process per file, and a reader in another process holds a lock that
blocks a writer. So a run (ingest, build, check, writeback) takes an exclusive run lock, and
at its end publishes a read snapshot: a consistent copy of the warehouse that the dashboard
and analysts open read-only. Publishing swaps the file by rename, so a reader that already has
the previous snapshot open keeps reading it undisturbed, and the next query sees the new one.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse; the message says which one and since when."""


@dataclass(frozen=True)
class RunHolder:
    pid: int
    command: str
    started_at: str


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def snapshot_path(warehouse: Path) -> Path:
    """Where the read snapshot of a warehouse lives: `recon.duckdb` -> `recon.read.duckdb`."""
    return warehouse.with_name(f"{warehouse.stem}.read{warehouse.suffix or '.duckdb'}")


@contextmanager
def run_lock(warehouse: Path, command: str) -> Iterator[None]:
    """Hold the warehouse for one run; refuse at once (WarehouseBusy) if another run holds it.

    The lock is an OS file lock, so it is released even when the holder is killed.
    """
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(path)
            raise WarehouseBusy(_busy_message(warehouse, holder)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "command": command,
                    "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                }
            )
        )
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def _read_holder(path: Path) -> RunHolder | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return RunHolder(
        pid=int(data.get("pid", 0)),
        command=str(data.get("command", "?")),
        started_at=str(data.get("started_at", "?")),
    )


def _busy_message(warehouse: Path, holder: RunHolder | None) -> str:
    who = (
        f"`recon {holder.command}` (pid {holder.pid}, started {holder.started_at})"
        if holder
        else "another run"
    )
    return (
        f"{warehouse} is held by {who}; nothing was changed. "
        "Wait for it to finish (a killed run releases the lock by itself) and try again."
    )


def publish_snapshot(warehouse: Path) -> Path:
    """Copy the warehouse to its read snapshot atomically. Call with the run lock held."""
    target = snapshot_path(warehouse)
    staging = target.with_name(target.name + ".tmp")
    staging.unlink(missing_ok=True)
    # Checkpointing folds the write-ahead log into the file, so the copy is complete.
    with duckdb.connect(str(warehouse)) as con:
        con.execute("checkpoint")
    shutil.copyfile(warehouse, staging)
    os.replace(staging, target)
    return target


def connect_for_reading(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the newest published snapshot (or the warehouse if none yet).

    Readers never open the live warehouse when a snapshot exists, so they never block a run.
    """
    snapshot = snapshot_path(warehouse)
    source = snapshot if snapshot.exists() else warehouse
    if not source.exists():
        raise FileNotFoundError(
            f"no warehouse at {warehouse}: run `recon run` (or `make demo`) first"
        )
    return duckdb.connect(str(source), read_only=True)
