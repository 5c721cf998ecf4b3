"""`python -m bench.run --size S|M|L`: the whole benchmark at one size, in one run.

Measures world generation, the dbt build of the drift models, the hand-written floor, the
analyst's pandas baseline (both checked against the drift models' answer), the expectations
run, ingestion throughput (dlt against DuckDB's read_json) and an incremental run against a
full one; prints the figures with their ratios and the targets, and writes
`bench/results/<size>.json`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.floor import BASELINE_TYPES, FLOOR_TYPES, mart_drifts
from bench.incremental import landed_changes, write_changed_pages
from bench.ingestion import tiles_for, write_order_pages
from bench.landed_world import tile_warehouse, tiling_for
from bench.measure import Measurement, measure, python_module
from bench.sizes import SIZES
from bench.template import landed_template

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
INGEST_SAMPLE_CAP = 200_000  # order lines pushed through each ingestion path at most
GIB = 2**30
# The targets, judged at every size (the issue asks for them to hold at L).
TARGET_BUILD_VS_FLOOR = 2.0
TARGET_SPEEDUP_VS_PANDAS = 10.0
TARGET_INCREMENTAL_SHARE = 0.20
TARGET_PEAK_BYTES = 6 * GIB
TARGET_LINES_PER_SECOND = 50_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--work-dir", type=Path, default=BENCH_DIR / ".work")
    parser.add_argument("--results-dir", type=Path, default=BENCH_DIR / "results")
    parser.add_argument(
        "--ingest-cap",
        type=int,
        default=INGEST_SAMPLE_CAP,
        help="order lines pushed through each ingestion path at most (default 200000)",
    )
    options = parser.parse_args(argv)
    # Wide enough for the table when the output is a file or a pipe.
    console = Console(width=None if sys.stdout.isatty() else 150)
    results = run(SIZES[options.size].name, options.work_dir, options.ingest_cap, console)
    options.results_dir.mkdir(parents=True, exist_ok=True)
    out = options.results_dir / f"{options.size}.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    console.print(f"results written to {out}")
    return 0


def run(size_name: str, work_dir: Path, ingest_cap: int, console: Console) -> dict[str, Any]:
    size = SIZES[size_name]
    work_dir.mkdir(parents=True, exist_ok=True)
    scratch = work_dir / size.name
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir()
    warehouse = scratch / "bench.duckdb"
    steps: dict[str, dict[str, Any]] = {}

    with console.status("Landing the template world (once per work folder)"):
        started = time.perf_counter()
        template = landed_template(work_dir)
        steps["template"] = {"seconds": time.perf_counter() - started}
    as_of = template.as_of.isoformat()

    with console.status(f"Tiling the template into a {size.description} world"):
        started = time.perf_counter()
        tiling = tiling_for(template.warehouse, size)
        world = tile_warehouse(template.warehouse, warehouse, tiling)
        steps["world_generation"] = {"seconds": time.perf_counter() - started}
    order_lines = world.rows["mirakl.orders__order_lines"]
    console.print(
        f"world: {world.rows['erp_files.items']:,} SKUs, {world.rows['mirakl.orders']:,} orders, "
        f"{order_lines:,} order lines, {world.rows['mirakl.transaction_logs']:,} transaction "
        f"lines (tiles: catalogue {tiling.catalog}, orders {tiling.orders}, "
        f"money {tiling.money})"
    )

    recon = str(Path(sys.executable).with_name("recon"))
    with console.status("dbt build of the drift models (recon transform)"):
        build = _checked(
            measure([recon, "transform", "--warehouse", str(warehouse), "--as-of", as_of])
        )
        steps["dbt_build"] = _figures(build)
    with console.status("dbt run of the drift models only (+exceptions, no tests)"):
        drift = _checked(
            measure(
                python_module(
                    "bench.measure",
                    "drift_models",
                    str(warehouse),
                    as_of,
                    str(scratch / "drift_models.json"),
                )
            )
        )
        steps["drift_models"] = _figures(drift)
    with console.status("The same build on the untiled template: dbt's fixed cost"):
        fixed_warehouse = scratch / "template-build.duckdb"
        shutil.copyfile(template.warehouse, fixed_warehouse)
        fixed = _checked(
            measure([recon, "transform", "--warehouse", str(fixed_warehouse), "--as-of", as_of])
        )
        steps["dbt_build_template"] = _figures(fixed)
    expected_floor = mart_drifts(warehouse, FLOOR_TYPES)
    expected_baseline = mart_drifts(warehouse, BASELINE_TYPES)

    with console.status("The floor: the hand-written DuckDB script"):
        floor, floor_found = _contender("floor", warehouse, as_of, scratch)
        steps["floor"] = {
            **_figures(floor),
            **_agreement(floor_found, expected_floor),
        }
    with console.status("The analyst's baseline: pandas and datacompy"):
        baseline, baseline_found = _contender("baseline", warehouse, as_of, scratch)
        steps["pandas_baseline"] = {
            **_figures(baseline),
            **_agreement(baseline_found, expected_baseline),
        }

    with console.status("The expectations run (recon check)"):
        check = measure([recon, "check", "--warehouse", str(warehouse)])
        if check.exit_code not in (0, 3):
            raise SystemExit(
                f"recon check did not complete (exit {check.exit_code}):\n{check.output}"
            )
        steps["expectations"] = {**_figures(check), "exit_code": check.exit_code}

    sample_lines = min(order_lines, ingest_cap)
    with console.status(f"Ingestion: {sample_lines:,} order lines through dlt and read_json"):
        pages_dir = scratch / "pages"
        tiles = tiles_for(template.world, sample_lines)
        pages = write_order_pages(template.world, pages_dir, tiles, tiling.catalog)
        dlt_run = _checked(
            measure(
                python_module(
                    "bench.measure",
                    "dlt",
                    str(pages_dir),
                    str(scratch / "ingest-dlt.duckdb"),
                    str(scratch / "pipelines-full"),
                    str(scratch / "dlt.json"),
                )
            )
        )
        read_json = _checked(
            measure(
                python_module(
                    "bench.measure",
                    "read_json",
                    str(pages_dir),
                    str(scratch / "ingest-read-json.duckdb"),
                    str(scratch / "read_json.json"),
                )
            )
        )
        decode = _checked(
            measure(
                python_module(
                    "bench.measure", "decode", str(pages_dir), str(scratch / "decode.json")
                )
            )
        )
        steps["ingest_dlt"] = {**_figures(dlt_run), "order_lines": pages.order_lines}
        steps["decode_only"] = {**_figures(decode), "order_lines": pages.order_lines}
        steps["ingest_read_json"] = {**_figures(read_json), "order_lines": pages.order_lines}
    dlt_rate = pages.order_lines / dlt_run.seconds
    read_json_rate = pages.order_lines / read_json.seconds
    decode_rate = pages.order_lines / decode.seconds

    with console.status("Incremental: 1 % of orders changed, merged by dlt, then dbt build"):
        changed = write_changed_pages(
            template.world, scratch / "changed", tiling.orders, tiling.catalog, template.as_of
        )
        before = landed_changes(warehouse, changed.updated_at)
        merge = _checked(
            measure(
                python_module(
                    "bench.measure",
                    "dlt",
                    str(scratch / "changed"),
                    str(warehouse),
                    str(scratch / "pipelines-incremental"),
                    str(scratch / "merge.json"),
                )
            )
        )
        after = landed_changes(warehouse, changed.updated_at)
        rebuild = _checked(
            measure([recon, "transform", "--warehouse", str(warehouse), "--as-of", as_of])
        )
    if after["orders"] != before["orders"] or after["distinct_orders"] != after["orders"]:
        raise SystemExit(f"the incremental merge changed the order count: {before} → {after}")
    if after["changed_orders"] != changed.orders:
        raise SystemExit(
            f"{changed.orders} orders changed but {after['changed_orders']} carry the change"
        )
    full_ingest_estimate = order_lines / dlt_rate
    full_run = full_ingest_estimate + build.seconds
    incremental_run = merge.seconds + rebuild.seconds
    steps["incremental_ingest"] = {
        **_figures(merge),
        "orders": changed.orders,
        "order_lines": changed.order_lines,
    }
    steps["incremental_build"] = _figures(rebuild)

    peak = max(step.get("peak_rss_bytes", 0) for step in steps.values())
    ratios = {
        "build_vs_floor": build.seconds / floor.seconds,
        "drift_models_vs_floor": drift.seconds / floor.seconds,
        "pandas_vs_build": baseline.seconds / build.seconds,
        "pandas_vs_drift_models": baseline.seconds / drift.seconds,
        "read_json_vs_dlt": read_json_rate / dlt_rate,
        "decode_vs_dlt": decode_rate / dlt_rate,
        "incremental_vs_full": incremental_run / full_run,
    }
    targets = [
        _target(
            "drift build ≤ 2 × the floor",
            ratios["drift_models_vs_floor"] <= TARGET_BUILD_VS_FLOOR,
            f"{ratios['drift_models_vs_floor']:.1f} × (dbt run of the drift models "
            f"{drift.seconds:.1f} s, floor {floor.seconds:.2f} s; the whole dbt build with "
            f"tests {build.seconds:.1f} s, of which {fixed.seconds:.1f} s on the untiled "
            "template)",
        ),
        _target(
            "drift build ≥ 10 × faster than the pandas baseline",
            baseline.seconds / drift.seconds >= TARGET_SPEEDUP_VS_PANDAS,
            f"{baseline.seconds / drift.seconds:.2f} × (pandas {baseline.seconds:.1f} s, "
            f"dbt run of the drift models {drift.seconds:.1f} s)",
        ),
        _target(
            "incremental run ≤ 20 % of a full run",
            ratios["incremental_vs_full"] <= TARGET_INCREMENTAL_SHARE,
            f"{ratios['incremental_vs_full']:.1%} ({incremental_run:.1f} s vs "
            f"{full_run:.1f} s, full ingest estimated)",
        ),
        _target("peak memory ≤ 6 GiB", peak <= TARGET_PEAK_BYTES, f"{peak / GIB:.2f} GiB"),
        _target(
            "≥ 50 k order lines/s through the ingestion path",
            dlt_rate >= TARGET_LINES_PER_SECOND,
            f"{dlt_rate:,.0f} lines/s (dlt); decoding the pages alone: {decode_rate:,.0f} lines/s",
        ),
    ]
    results = {
        "size": size.name,
        "description": size.description,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": _cpus(),
            "memory_gib": _memory_gib(),
            "python": platform.python_version(),
        },
        "as_of": as_of,
        "tiling": {"catalog": tiling.catalog, "orders": tiling.orders, "money": tiling.money},
        "rows": world.rows,
        "steps": steps,
        "ingestion": {
            "sample_order_lines": pages.order_lines,
            "sample_capped_at": ingest_cap,
            "dlt_lines_per_second": dlt_rate,
            "read_json_lines_per_second": read_json_rate,
            "decode_only_lines_per_second": decode_rate,
        },
        "incremental": {
            "full_ingest_seconds_estimated": full_ingest_estimate,
            "full_run_seconds": full_run,
            "incremental_run_seconds": incremental_run,
            "landed": after,
        },
        "ratios": ratios,
        "peak_rss_bytes": peak,
        "targets": targets,
    }
    _print(console, results)
    return results


def _contender(mode: str, warehouse: Path, as_of: str, scratch: Path):
    out = scratch / f"{mode}.json"
    result = _checked(
        measure(python_module("bench.measure", mode, str(warehouse), as_of, str(out)))
    )
    payload = json.loads(out.read_text(encoding="utf-8"))
    return result, {tuple(drift) for drift in payload["drifts"]}


def _agreement(found: set, expected: set) -> dict[str, Any]:
    return {
        "drifts": len(found),
        "mart_drifts": len(expected),
        "agrees": found == expected,
        "only_here": sorted(found - expected)[:10],
        "only_in_mart": sorted(expected - found)[:10],
    }


def _checked(result: Measurement) -> Measurement:
    if result.exit_code != 0:
        raise SystemExit(f"a benchmark step failed (exit {result.exit_code}):\n{result.output}")
    return result


def _figures(result: Measurement) -> dict[str, Any]:
    return {"seconds": result.seconds, "peak_rss_bytes": result.peak_rss_bytes}


def _target(name: str, met: bool, measured: str) -> dict[str, Any]:
    return {"target": name, "met": met, "measured": measured}


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)
    return 0.0


def _print(console: Console, results: dict[str, Any]) -> None:
    steps = results["steps"]
    floor_seconds = steps["floor"]["seconds"]
    table = Table(title=f"Benchmark {results['size']}: {results['description']}")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    table.add_column("peak RSS MiB", justify="right")
    table.add_column("× floor", justify="right")
    table.add_column("notes")
    ingestion = results["ingestion"]
    notes = {
        "template": "one demo world landed through sandbox → dlt, cached",
        "world_generation": "template tiled straight into the landed tables",
        "dbt_build": "recon transform (dbt build, tests included)",
        "drift_models": "dbt run --select +exceptions: the drift models, no tests",
        "dbt_build_template": "the same build on the untiled template: dbt's fixed cost",
        "floor": _agrees(steps["floor"]),
        "pandas_baseline": _agrees(steps["pandas_baseline"]),
        "expectations": f"recon check, exit {steps['expectations']['exit_code']}",
        "ingest_dlt": f"{ingestion['dlt_lines_per_second']:,.0f} order lines/s over "
        f"{ingestion['sample_order_lines']:,} lines (sample capped at "
        f"{ingestion['sample_capped_at']:,})",
        "ingest_read_json": f"{ingestion['read_json_lines_per_second']:,.0f} order lines/s, "
        f"{results['ratios']['read_json_vs_dlt']:.1f} × dlt",
        "decode_only": f"{ingestion['decode_only_lines_per_second']:,.0f} order lines/s: "
        "json.loads of the pages as the Mirakl client decodes them, nothing landed; the "
        "ceiling of any path that reads this JSON in Python",
        "incremental_ingest": f"dlt merge of {steps['incremental_ingest']['orders']:,} changed "
        "orders (1 %)",
        "incremental_build": "recon transform after the change",
    }
    for name, step in steps.items():
        peak = step.get("peak_rss_bytes")
        table.add_row(
            name,
            f"{step['seconds']:.2f}",
            f"{peak / 2**20:,.0f}" if peak else "",
            f"{step['seconds'] / floor_seconds:.1f}" if name != "template" else "",
            notes.get(name, ""),
        )
    incremental = results["incremental"]
    table.add_row(
        "full run",
        f"{incremental['full_run_seconds']:.1f}",
        "",
        "",
        f"estimated: all order lines at the dlt rate "
        f"({incremental['full_ingest_seconds_estimated']:.1f} s) + dbt build",
    )
    table.add_row(
        "incremental run",
        f"{incremental['incremental_run_seconds']:.1f}",
        "",
        "",
        f"{results['ratios']['incremental_vs_full']:.1%} of the full run",
    )
    console.print(table)
    targets = Table(title="Targets (the issue asks for them at L)")
    targets.add_column("target")
    targets.add_column("met")
    targets.add_column("measured")
    for target in results["targets"]:
        targets.add_row(
            target["target"],
            "[green]met[/]" if target["met"] else "[red]not met[/]",
            target["measured"],
        )
    console.print(targets)


def _agrees(step: dict[str, Any]) -> str:
    verdict = "agrees with" if step["agrees"] else "DISAGREES with"
    return f"{step['drifts']:,} drifts; {verdict} the dbt mart ({step['mart_drifts']:,})"


if __name__ == "__main__":
    raise SystemExit(main())
