"""Exactly once: an apply killed in the middle of a request, then run again, sends each
correction at most once and completes the rest. Proven with the sandbox's request log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from tests.writeback.conftest import LiveWorld, fast_settings
from writeback.approvals import record_approval
from writeback.runs import apply, plan
from writeback.store import read_corrections

REPO = Path(__file__).resolve().parents[2]
# Every write takes this long at Mirakl before it is carried out, answered or not.
SLOW_SECONDS = 1.5
# The second OR23 is the one killed: by then a stock import and a whole order went through.
KILL_AFTER = {"STO01": ("STO01: importing", 1), "OR23": ("→ OR23 ", 2)}


def _corrections(live: LiveWorld, where: str = "true"):
    with duckdb.connect(str(live.warehouse), read_only=True) as con:
        return read_corrections(con, where)


def _kill_apply_mid_request(live: LiveWorld, step: str, workdir: Path) -> list[str]:
    """Start `recon writeback apply`, SIGKILL it while Mirakl is handling `step`."""
    marker, occurrence = KILL_AFTER[step]
    env = {
        **os.environ,
        **live.cli_env(WRITEBACK__IN_DOUBT_GRACE_SECONDS="5"),
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(REPO),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "from recon.cli import main; main()", "writeback", "apply"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=workdir,
    )
    lines, seen = [], 0
    deadline = time.monotonic() + 120
    assert process.stdout is not None
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if line.startswith(marker):
                seen += 1
                if seen == occurrence:
                    # Mid-request: Mirakl has it and will carry it out after SLOW_SECONDS.
                    time.sleep(SLOW_SECONDS / 3)
                    os.kill(process.pid, signal.SIGKILL)
                    break
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "\n".join(lines)
    return lines


@pytest.mark.parametrize("step", ["STO01", "OR23"])
def test_an_apply_killed_mid_request_and_run_again_sends_each_correction_once(
    live_world, tmp_path, step
):
    live = live_world()
    plan(live.warehouse, fast_settings())
    approved = [c.correction_id for c in _corrections(live, "status = 'planned'")]
    record_approval(live.warehouse, approved, "ops")
    with live.serving():
        live.trouble_writes(seed=1, slow_rate=1.0, slow_seconds=SLOW_SECONDS)
        output = _kill_apply_mid_request(live, step, tmp_path)

        # The killed run left its in-flight send marked, so nothing is forgotten.
        in_doubt = _corrections(live, "status = 'sending' and sending_step is not null")
        assert {c.sending_step for c in in_doubt} == {step}, output
        assert len(in_doubt) == (3 if step == "STO01" else 1)

        live.trouble_writes()  # Mirakl answers promptly again
        _, report = apply(live.warehouse, fast_settings(), live.connection())
        assert report.stopped is None and report.left_pending == []

    corrections = [c for c in _corrections(live) if c.correction_id in set(approved)]
    assert Counter(c.status for c in corrections) == {"applied": 11, "refused": 1}
    # The request log: every request of every correction reached Mirakl exactly once,
    # the one in flight at the kill included.
    for correction in corrections:
        assert set(live.deliveries(correction).values()) == {1}, correction.summary
    killed = [r for r in live.writes() if r.fault == "slow"]
    assert killed, "the killed run's requests are in Mirakl's log"
    # What was in doubt was read back from Mirakl, not sent again.
    with duckdb.connect(str(live.warehouse), read_only=True) as con:
        read_back = con.execute(
            "select correction_id, operation, outcome from writeback.attempts "
            "where outcome like 'read back:%'"
        ).fetchall()
    assert {(c, o) for c, o, _ in read_back} == {
        (c.correction_id, "OF21" if step == "STO01" else "OR11") for c in in_doubt
    }
    assert {outcome for *_, outcome in read_back} == {"read back: applied"}

    # And applying once more sends nothing at all.
    with live.serving():
        before = len(live.writes())
        apply(live.warehouse, fast_settings(), live.connection())
        assert len(live.writes()) == before
