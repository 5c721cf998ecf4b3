"""Wall time and peak memory of a child process, and the child entry points the benchmark runs.

Each contender runs in its own process so that its peak resident memory (the kernel's
`ru_maxrss` for that child, via `os.wait4`) is its own and not the benchmark's.

`python -m bench.measure floor|baseline WAREHOUSE AS_OF OUT.json` writes the drifts found;
`drift_models WAREHOUSE AS_OF OUT.json` runs dbt over the drift models only;
`dlt PAGES WAREHOUSE PIPELINES OUT.json` and `read_json PAGES WAREHOUSE OUT.json` land pages;
`decode PAGES OUT.json` only decodes them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# The exceptions mart and every model it is built from: the drift models, without data tests,
# seeds or the marts nobody reads to find drift.
DRIFT_MODELS = "+exceptions"


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_bytes: int
    exit_code: int
    output: str

    @property
    def peak_rss_mib(self) -> float:
        return self.peak_rss_bytes / 2**20


def measure(command: list[str], cwd: Path | None = None) -> Measurement:
    """Run `command`, returning its wall time, peak RSS, exit code and combined output."""
    started = time.perf_counter()
    with subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as child:
        # Read before waiting, so a chatty child never blocks on a full pipe.
        output = child.stdout.read() if child.stdout else ""
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
    # Linux reports ru_maxrss in KiB.
    return Measurement(seconds, usage.ru_maxrss * 1024, child.returncode, output)


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def _main(argv: list[str]) -> None:
    mode, *args = argv
    started = time.perf_counter()
    if mode in ("floor", "baseline"):
        from bench.floor import baseline_drifts, floor_drifts

        warehouse, as_of, out = args
        finder = {"floor": floor_drifts, "baseline": baseline_drifts}[mode]
        drifts = finder(Path(warehouse), dt.datetime.fromisoformat(as_of))
        result: dict[str, object] = {"drifts": sorted(drifts)}
    elif mode == "dlt":
        from bench.ingestion import load_with_dlt

        pages, warehouse, pipelines, out = args
        load_with_dlt(sorted(Path(pages).glob("*.json")), Path(warehouse), Path(pipelines))
        result = {}
    elif mode == "drift_models":
        from recon.transform import run_dbt

        warehouse, as_of, out = args
        outcome, _ = run_dbt(
            Path(warehouse),
            ["run", "--quiet", "--select", DRIFT_MODELS],
            as_of=dt.datetime.fromisoformat(as_of),
        )
        if not outcome.success:
            raise SystemExit(f"dbt run of the drift models failed: {outcome.exception}")
        result = {"models": len(outcome.result)}
    elif mode == "decode":
        from bench.ingestion import decode_pages

        pages, out = args
        result = {"order_lines": decode_pages(sorted(Path(pages).glob("*.json")))}
    elif mode == "read_json":
        from bench.ingestion import Pages, load_with_read_json

        pages, warehouse, out = args
        load_with_read_json(Pages(Path(pages), [], 0, 0), Path(warehouse))
        result = {}
    else:
        raise SystemExit(
            f"unknown mode {mode!r}: floor, baseline, drift_models, dlt, decode or read_json"
        )
    result["seconds"] = time.perf_counter() - started
    Path(out).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    _main(sys.argv[1:])
