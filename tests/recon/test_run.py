"""`recon run` and `recon check`: what a scheduler calls, end to end on a world served by the
sandboxes, with the exit status it acts on and the history it leaves behind."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from expectations.config import DEFAULT_THRESHOLDS
from recon.cli import cli
from recon.run import EXIT_BREACHED, EXIT_BUSY, EXIT_FAILED, EXIT_SUCCEEDED, run_pipeline
from recon.warehouse import connect_for_reading, snapshot_path
from sandbox.mirakl import MiraklSandbox, SandboxConfig
from sandbox.world.generate import generate_world
from sandbox.world.layout import WorldLayout
from sandbox.world.truth import read_truth
from tests.conftest import AS_OF, SMALL_SCALE
from tests.support.webhook_receiver import WebhookReceiver

API_KEY = "run-test-key-7d1e"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A small world served by the Mirakl sandbox and the ERP file contract, configured the way
    a scheduler's environment would be, with every owner's webhook on a local receiver."""
    root = tmp_path_factory.mktemp("run")
    layout = WorldLayout(root / "world")
    manifest = generate_world(layout.root, seed=7, scale=SMALL_SCALE, as_of=AS_OF)
    warehouse = root / "warehouse" / "recon.duckdb"
    receiver = WebhookReceiver()
    sandbox = MiraklSandbox.from_world(layout.root, config=SandboxConfig(api_key=API_KEY))
    with sandbox.serve() as base_url, receiver.serve() as hooks, pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCES__MIRAKL__BASE_URL", base_url)
        mp.setenv("SOURCES__MIRAKL__API_KEY", API_KEY)
        mp.setenv("SOURCES__MIRAKL__SHOP_ID", str(manifest.shop_id))
        mp.setenv("SOURCES__ERP_FILES__PATH", str(layout.erp_dir))
        mp.setenv("RECON_WAREHOUSE", str(warehouse))
        mp.delenv("RECON_THRESHOLDS", raising=False)
        for owner in ("ops", "finance", "ecommerce", "data"):
            mp.setenv(f"ALERTS__WEBHOOKS__{owner.upper()}", f"{hooks}/hook/{owner}")
        yield layout, warehouse, receiver


@pytest.fixture(scope="module")
def first_run(served):
    *_, receiver = served
    result = CliRunner().invoke(cli, ["run", "--as-of", AS_OF.isoformat()])
    return result, [path for path, _ in receiver.posts]


def _rows(sql: str, warehouse: Path, *params):
    with connect_for_reading(warehouse) as con:
        return con.execute(sql, list(params)).fetchall()


def test_a_run_with_a_critical_breach_exits_3_and_records_everything(served, first_run):
    layout, warehouse, _ = served
    result, _ = first_run
    assert result.exit_code == EXIT_BREACHED, result.output
    for shown in ("Landed in", "Open exceptions", "Failed expectations", "breached"):
        assert shown in result.output
    assert snapshot_path(warehouse).exists()

    [(run_id, command, status, step, error, open_count, at_risk, currency, code)] = _rows(
        "select run_id, command, status, failed_step, error, open_exceptions, money_at_risk, "
        "currency, exit_code from monitoring.pipeline_runs",
        warehouse,
    )
    truth = read_truth(layout.truth_path)
    assert (command, status, step, error, code) == ("run", "breached", None, None, 3)
    assert open_count == len(truth)
    [(expected_risk,)] = _rows(
        "select sum(amount_at_risk) from exceptions where status = 'open'", warehouse
    )
    assert (at_risk, currency) == (expected_risk, "EUR")
    assert isinstance(at_risk, Decimal)

    history = _rows(
        "select exception_type, owner, sum(open_count), sum(amount_at_risk) "
        "from monitoring.exception_history where run_id = ? group by all order by all",
        warehouse,
        run_id,
    )
    assert {kind for kind, *_ in history} == {kind for kind, _ in truth}
    assert sum(count for _, _, count, _ in history) == len(truth)

    [(check_run, success, critical_failed, docs)] = _rows(
        "select run_id, success, critical_failed, data_docs_path from monitoring.check_runs",
        warehouse,
    )
    assert (check_run, success) == (run_id, False) and critical_failed >= 1
    assert Path(docs).exists() and Path(docs).parent == warehouse.parent / "data_docs" / "recon"


def test_each_owner_is_alerted_of_its_new_breaches_once(served, first_run):
    layout, warehouse, receiver = served
    _, paths = first_run
    # Each owner gets one message with its own breaches: the critical exceptions it owns,
    # finance the payout cycles that do not reconcile, ops the stock share.
    assert sorted(paths) == ["/hook/finance", "/hook/ops"]
    critical = _rows(
        "select owner, exception_type || ':' || entity_id from exceptions "
        "where status = 'open' and severity = 'critical'",
        warehouse,
    )
    cycles = {entity for kind, entity in read_truth(layout.truth_path) if kind == "payout_variance"}
    expected = {
        "finance": cycles | {key for owner, key in critical if owner == "finance"},
        "ops": {key for owner, key in critical if owner == "ops"},
    }
    for owner, keys in expected.items():
        [message] = receiver.messages(f"/hook/{owner}")
        body = message["blocks"][1]["text"]["text"]
        assert {key for key in keys if f"`{key}`" in body} == keys
        breaches = len(keys) + (owner == "ops")  # the stock share breach as a whole
        assert message["text"].startswith(f"mirakl-recon: {breaches} new breaches for {owner}")
    assert "stock mismatches within their share of active offers" in str(
        receiver.messages("/hook/ops")
    )


def test_a_second_run_adds_to_the_history_and_repeats_no_alert(served, first_run):
    _, warehouse, receiver = served
    receiver.clear()
    later = AS_OF + dt.timedelta(minutes=5)
    result = CliRunner().invoke(cli, ["run", "--as-of", later.isoformat()])
    assert result.exit_code == EXIT_BREACHED, result.output
    runs = _rows(
        "select as_of, status from monitoring.pipeline_runs order by started_at", warehouse
    )
    assert runs == [(AS_OF, "breached"), (later, "breached")]
    per_run = _rows(
        "select h.as_of, sum(open_count) from monitoring.exception_history h "
        "group by h.as_of order by h.as_of",
        warehouse,
    )
    assert [as_of for as_of, _ in per_run] == [AS_OF, later]
    assert per_run[0][1] == per_run[1][1]
    assert _rows("select count(*) from monitoring.check_runs", warehouse) == [(2,)]
    assert receiver.posts == []
    assert "Alerts: nothing new to tell" in result.output


def test_recon_check_exits_3_on_a_critical_failure_and_0_when_only_warnings_fail(
    served, first_run, tmp_path
):
    _, warehouse, receiver = served
    breached = CliRunner().invoke(cli, ["check", "--no-alerts"])
    assert breached.exit_code == EXIT_BREACHED, breached.output
    assert "Failed expectations" in breached.output and "critical breach" in breached.output
    [(command, critical)] = _rows(
        "select command, critical_failed from monitoring.check_runs "
        "order by started_at desc limit 1",
        warehouse,
    )
    assert command == "check" and critical >= 1

    relaxed = yaml.safe_load(DEFAULT_THRESHOLDS.read_text(encoding="utf-8"))
    for check in relaxed["business"].values():
        check["severity"] = "warning"
    path = tmp_path / "thresholds.yml"
    path.write_text(yaml.safe_dump(relaxed), encoding="utf-8")
    receiver.clear()
    warned = CliRunner().invoke(cli, ["check", "--thresholds", str(path)])
    assert warned.exit_code == EXIT_SUCCEEDED, warned.output
    assert "0 critical" in warned.output and "no critical breach" in warned.output
    assert receiver.posts == []  # the same breaches, already told

    bad = path.with_name("bad.yml")
    bad.write_text("business: {}\n", encoding="utf-8")
    refused = CliRunner().invoke(cli, ["check", "--thresholds", str(bad)])
    assert refused.exit_code == 2
    assert "business.no_critical_exception_open is missing" in refused.output


HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from recon.warehouse import run_lock

    with run_lock(Path(sys.argv[1]), "run"):
        print("held", flush=True)
        sys.stdin.read()
    """
)


def test_a_run_or_check_refuses_while_another_run_holds_the_warehouse(served, first_run):
    _, warehouse, _ = served
    runs_before = _rows("select count(*) from monitoring.pipeline_runs", warehouse)
    modified = warehouse.stat().st_mtime_ns
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        run = CliRunner().invoke(cli, ["run", "--as-of", AS_OF.isoformat()])
        check = CliRunner().invoke(cli, ["check"])
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    for refused in (run, check):
        assert refused.exit_code == EXIT_BUSY, refused.output
        assert f"is held by `recon run` (pid {holder.pid}" in refused.output
        assert "nothing was changed" in refused.output
    assert warehouse.stat().st_mtime_ns == modified
    assert _rows("select count(*) from monitoring.pipeline_runs", warehouse) == runs_before


def test_a_failed_step_is_recorded_with_a_clean_error_and_the_snapshot_still_published(
    served, first_run, monkeypatch
):
    _, warehouse, _ = served
    monkeypatch.setenv("SOURCES__MIRAKL__API_KEY", "revoked-key-0000")
    published = snapshot_path(warehouse).stat().st_mtime_ns
    outcome = run_pipeline(warehouse, sources=["mirakl"], as_of=AS_OF)
    assert (outcome.status, outcome.failed_step, outcome.exit_code) == (
        "failed",
        "ingest",
        EXIT_FAILED,
    )
    assert "401" in outcome.error and "revoked-key-0000" not in outcome.error
    assert snapshot_path(warehouse).stat().st_mtime_ns > published
    [(status, step, error)] = _rows(
        "select status, failed_step, error from monitoring.pipeline_runs where run_id = ?",
        warehouse,
        outcome.run_id,
    )
    assert (status, step, error) == ("failed", "ingest", outcome.error)
    everything = json.dumps(_rows("select * from monitoring.pipeline_runs", warehouse), default=str)
    assert "revoked-key-0000" not in everything and API_KEY not in everything


def test_the_demo_runs_the_same_pipeline_and_exits_0_when_only_business_breaches_fail(
    tmp_path, monkeypatch
):
    warehouse = tmp_path / "demo.duckdb"
    monkeypatch.setenv("ALERTS__WEBHOOKS__DEFAULT", "http://127.0.0.1:9/never-called")
    result = CliRunner().invoke(
        cli,
        ["demo", "--warehouse", str(warehouse), "--world", str(tmp_path / "world"),
         "--scale", str(SMALL_SCALE)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for shown in (
        "Landed in",
        "Open exceptions",
        "Failed expectations",
        "against the ground truth",
    ):
        assert shown in result.output
    [(command, status)] = _rows("select command, status from monitoring.pipeline_runs", warehouse)
    assert (command, status) == ("demo", "breached")
    failed_suites = _rows(
        "select distinct suite from monitoring.check_results where not success", warehouse
    )
    assert failed_suites == [("business_breaches",)]
    assert _rows("select count(*) > 0 from monitoring.exception_history", warehouse) == [(True,)]
    # Breaches are kept as alert state; a demo posts nothing.
    assert _rows("select count(*) > 0, count(alerted_at) from monitoring.alerts", warehouse) == [
        (True, 0)
    ]
