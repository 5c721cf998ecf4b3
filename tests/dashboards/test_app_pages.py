"""Every page of the exception queue, driven through Streamlit's AppTest over a real demo
warehouse: the figures shown are the figures the warehouse holds."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from sandbox.world.truth import read_truth
from tests.conftest import AS_OF
from tests.dashboards.conftest import APP, FIRST_RUN_AS_OF, DemoWarehouse, money
from writeback.approvals import pending_approvals
from writeback.runs import plan

pytestmark = pytest.mark.slow

PAGES = ("overview", "orders", "stock", "payouts", "run_history", "corrections")
SEED_TYPES = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "exception_types.csv"


def open_page(page: str) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    if page != "overview":
        app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception, [error.message for error in app.exception]
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def texts(elements) -> list[str]:
    return [element.value for element in elements]


def every_table_is_downloadable(app: AppTest) -> None:
    labels = [button.label for button in app.download_button]
    assert len(app.dataframe) > 0
    assert labels == ["Download CSV"] * len(app.dataframe)


# ---------------------------------------------------------------- overview


def test_overview_shows_the_open_queue_the_warehouse_holds(reading_env: DemoWarehouse):
    demo = reading_env
    app = open_page("overview")

    truth = read_truth(demo.world.truth_path)
    open_count, critical = demo.one(
        "select count(*), count(*) filter (where severity = 'critical') "
        "from exceptions where status = 'open'"
    )
    # The demo world's ground truth is the queue: every injected drift, nothing else.
    assert open_count == len(truth)
    (currency, at_risk), *others = demo.rows(
        "select currency, sum(amount_at_risk) from exceptions "
        "where status = 'open' and amount_at_risk is not null group by currency"
    )
    assert not others, "the demo world trades in one currency"
    shown = metrics(app)
    assert shown["Open exceptions"] == str(open_count)
    assert shown["Critical"] == str(critical)
    assert shown["Money at risk"] == money(at_risk, currency)
    assert shown["Past their deadline"] == str(
        demo.one(
            "select count(*) from exceptions where status = 'open' and deadline_at <= detected_at"
        )[0]
    )

    queue = app.dataframe[-1].value
    assert len(queue) == open_count
    assert set(zip(queue["exception_type"], queue["entity_id"], strict=True)) == truth
    assert list(queue["severity"]) == sorted(
        queue["severity"], key=["critical", "high", "medium", "low"].index
    )
    caption = next(text for text in texts(app.sidebar.caption) if "Snapshot published" in text)
    published = dt.datetime.fromtimestamp(demo.snapshot.stat().st_mtime, dt.UTC)
    assert f"{published:%Y-%m-%d %H:%M} UTC" in caption
    assert f"{AS_OF:%Y-%m-%d %H:%M} UTC" in caption
    every_table_is_downloadable(app)


def test_overview_filters_narrow_every_figure(reading_env: DemoWarehouse):
    demo = reading_env
    app = open_page("overview")

    app.multiselect(key="overview-owners").set_value(["finance"]).run()
    count, at_risk = demo.one(
        "select count(*), sum(amount_at_risk) from exceptions "
        "where status = 'open' and owner = 'finance'"
    )
    assert metrics(app)["Open exceptions"] == str(count)
    assert metrics(app)["Money at risk"] == money(at_risk, "EUR")
    assert set(app.dataframe[-1].value["owner"]) == {"finance"}

    app.multiselect(key="overview-types").set_value(["payout_variance"]).run()
    assert metrics(app)["Open exceptions"] == str(
        demo.one(
            "select count(*) from exceptions where status = 'open' "
            "and exception_type = 'payout_variance'"
        )[0]
    )

    app.multiselect(key="overview-owners").set_value([]).run()
    app.multiselect(key="overview-types").set_value([]).run()
    app.multiselect(key="overview-severities").set_value(["critical", "high"]).run()
    assert metrics(app)["Open exceptions"] == str(
        demo.one(
            "select count(*) from exceptions "
            "where status = 'open' and severity in ('critical', 'high')"
        )[0]
    )

    # Nothing was first detected after the last run.
    app.date_input(key="overview-from").set_value(AS_OF.date() + dt.timedelta(days=1)).run()
    assert metrics(app)["Open exceptions"] == "0"
    assert metrics(app)["Money at risk"] == "none"
    assert not app.exception


def test_overview_trend_across_runs_and_sync_health(reading_env: DemoWarehouse):
    demo = reading_env
    app = open_page("overview")

    charts = app.get("vega_lite_chart")
    assert len(charts) >= 3  # by owner and severity, open exceptions per run, money per run
    trend = next(table.value for table in app.dataframe if "run_id" in table.value.columns)
    assert sorted(set(trend["as_of"])) == [FIRST_RUN_AS_OF, AS_OF]
    per_run = trend.groupby("as_of")["open_count"].sum().to_dict()
    assert per_run == {
        as_of: count
        for as_of, count in demo.rows(
            "select as_of, sum(open_count) from monitoring.exception_history group by as_of"
        )
    }

    loads = next(table.value for table in app.dataframe if "dataset" in table.value.columns)
    assert set(loads["dataset"]) >= {"mirakl", "erp_files"}
    assert (loads["successful_loads"] >= 2).all()  # two runs, each loading every source

    freshness = next(
        table.value for table in app.dataframe if "source_table" in table.value.columns
    )
    stale = {source for (source,) in demo.rows(
        "select entity_id from exceptions "
        "where status = 'open' and exception_type = 'stale_source'"
    )}  # fmt: skip
    assert set(freshness.loc[freshness["is_stale"], "source_table"]) == stale
    assert f"{len(stale)} source(s) older than their threshold" in texts(app.error)


# ---------------------------------------------------------------- runbooks


def seeded_types() -> dict[str, tuple[str, str]]:
    with SEED_TYPES.open(encoding="utf-8") as handle:
        return {
            row["exception_type"]: (row["owner"], row["title"]) for row in csv.DictReader(handle)
        }


WRITEBACK = {
    "stock_mismatch": ("STO01",),
    "unacknowledged_order": ("OR21",),
    "fulfilled_not_shipped": ("OR23", "OR24"),
    "refund_not_mirrored": ("OR28", "RE01"),
}


@pytest.mark.parametrize("exception_type", sorted(seeded_types()))
def test_every_exception_type_has_a_runbook_for_the_business(exception_type: str):
    owner, _ = seeded_types()[exception_type]
    text = (APP.parent.parent / "docs" / "runbooks" / f"{exception_type}.md").read_text()
    assert f"**Owner:** {owner}" in text
    for section in ("## What it means", "## What to check", "## How to resolve it"):
        assert section in text, f"{exception_type}: {section} missing"
    can_do = text.split("## What writeback can do", 1)[1]
    if exception_type in WRITEBACK:
        assert can_do.strip().startswith("**Yes:")
        for call in WRITEBACK[exception_type]:
            assert call in can_do
    else:
        assert can_do.strip().startswith("Nothing")


def test_each_runbook_is_shown_beside_the_exceptions_of_its_type(reading_env: DemoWarehouse):
    shown: set[str] = set()
    for page in ("overview", "orders", "stock", "payouts"):
        app = open_page(page)
        shown |= {expander.label for expander in app.expander}
    titles = {title for _, title in seeded_types().values()}
    demo_types = {kind for kind, _ in read_truth(reading_env.world.truth_path)}
    for kind, (_, title) in seeded_types().items():
        if kind in demo_types:
            assert f"Runbook: {title}" in shown, kind
    assert {label.removeprefix("Runbook: ") for label in shown if "Runbook" in label} <= titles


# ---------------------------------------------------------------- orders


def test_orders_page_puts_each_order_exception_beside_its_deadline(reading_env: DemoWarehouse):
    demo = reading_env
    app = open_page("orders")
    tab_labels = [tab.label for tab in app.tabs]
    counts = dict(
        demo.rows(
            "select types.title, count(exceptions.exception_id) "
            "from reference.exception_types as types "
            "left join exceptions on exceptions.exception_type = types.exception_type "
            "and exceptions.status = 'open' group by types.title"
        )
    )
    for label in tab_labels:
        title, count = label.rsplit(" (", 1)
        assert int(count.rstrip(")")) == counts[title]

    waiting = app.tabs[0]
    assert waiting.label.startswith("Order waiting for acceptance")
    table = waiting.dataframe[0].value
    expected = demo.rows(
        "select entity_id, deadline_at, "
        "round(date_diff('minute', detected_at, deadline_at) / 60.0, 1) "
        "from exceptions where status = 'open' and exception_type = 'unacknowledged_order' "
        "order by deadline_at"
    )
    assert list(table["order_id"]) == [order for order, _, _ in expected]
    assert list(table["deadline_at"]) == [deadline for _, deadline, _ in expected]
    assert list(table["hours_left_at_run"]) == [hours for _, _, hours in expected]
    every_table_is_downloadable(app)


# ---------------------------------------------------------------- stock


def test_stock_page_ranks_mismatches_by_oversell_risk_with_the_evidence(
    reading_env: DemoWarehouse,
):
    demo = reading_env
    app = open_page("stock")
    mismatches = app.dataframe[0].value
    positions = {
        row[0]: row[1:]
        for row in demo.rows(
            "select shop_sku, mirakl_quantity, expected_quantity, oversell_units, "
            "units_sold_28d, on_hand_stock_units, committed_stock_units, units_per_stock_unit, "
            "safety_stock from ops.stock_positions"
        )
    }
    expected = {
        sku
        for (sku,) in demo.rows(
            "select entity_id from exceptions "
            "where status = 'open' and exception_type = 'stock_mismatch'"
        )
    }
    assert set(mismatches["shop_sku"]) == expected
    for _, row in mismatches.iterrows():
        assert tuple(row[
            ["mirakl_quantity", "erp_available", "oversell_units", "units_sold_28d",
             "on_hand_stock_units", "committed_stock_units", "units_per_stock_unit",
             "safety_stock"]
        ]) == positions[row["shop_sku"]]  # fmt: skip

    # In the fix order the warehouse ranks them: the highest oversell risk first.
    ranked = [sku for (sku,) in demo.rows(
        "select shop_sku from ops.stock_positions "
        "where oversell_risk_rank is not null order by oversell_risk_rank"
    )]  # fmt: skip
    assert list(mismatches["shop_sku"]) == ranked
    assert list(mismatches["rank"]) == list(range(1, len(ranked) + 1))
    overselling = list(mismatches["oversell_units"] > 0)
    assert overselling == sorted(overselling, reverse=True)
    scores = list(mismatches["oversell_risk_score"])
    assert scores == sorted(scores, reverse=True)

    oversold = sum(units for units in mismatches["oversell_units"] if units > 0)
    shown = metrics(app)
    assert shown["Stock mismatches"] == str(len(expected))
    assert shown["Units over ERP availability"] == f"{oversold:,.0f}"
    every_table_is_downloadable(app)


# ---------------------------------------------------------------- payouts


def test_payouts_page_reconciles_each_cycle_and_drills_down_to_orders(
    reading_env: DemoWarehouse,
):
    demo = reading_env
    app = open_page("payouts")
    cycles = app.dataframe[0].value
    (paid,) = demo.one("select count(*) from finance.payout_reconciliation")
    off = dict(
        demo.rows(
            "select json_extract_string(details, '$.payout_reference'), "
            "trim(json_extract_string(details, '$.legs_off')) from exceptions "
            "where status = 'open' and exception_type = 'payout_variance'"
        )
    )
    assert len(cycles) == paid
    assert metrics(app)["Cycles that do not reconcile"] == str(len(off))
    assert dict(cycles.dropna(subset=["legs_off"])[["payout_reference", "legs_off"]].values) == off

    # The cycle whose ledger is off: its differing orders add up to the cycle's ledger leg.
    ledger_cycle = next(reference for reference, legs in off.items() if "ledger" in legs)
    app.selectbox(key="payouts-cycle").set_value(ledger_cycle).run()
    orders = next(t.value for t in app.dataframe if "ledger_minus_mirakl" in t.value.columns
                  and "order_id" in t.value.columns)  # fmt: skip
    (leg,) = demo.one(
        "select ledger_minus_mirakl from finance.payout_reconciliation where payout_reference = ?",
        ledger_cycle,
    )
    assert len(orders) > 0
    assert sum(orders["ledger_minus_mirakl"]) == leg
    lines = next(t.value for t in app.dataframe if "transaction_type" in t.value.columns)
    assert "PAYMENT" in set(lines["transaction_type"])
    every_table_is_downloadable(app)


# ---------------------------------------------------------------- run history


def test_run_history_shows_expectation_results_over_time(reading_env: DemoWarehouse):
    demo = reading_env
    app = open_page("run_history")
    runs = demo.rows(
        "select run_id, evaluated, failed, critical_failed from monitoring.check_runs "
        "order by started_at desc"
    )
    assert len(runs) == 2
    run_id, evaluated, failed, critical = runs[0]
    shown = metrics(app)
    assert shown["Failed expectations"] == str(failed)
    assert shown["Critical failures"] == str(critical)
    assert shown["Pass rate"] == f"{round((evaluated - failed) * 100 / evaluated, 1)}%"
    assert app.get("vega_lite_chart"), "the pass rate over time is charted"

    tables = {tuple(t.value.columns)[:3]: t.value for t in app.dataframe}
    results = next(v for k, v in tables.items() if k[:2] == ("suite", "expectation"))
    failing = {name for (name,) in demo.rows(
        "select expectation from monitoring.check_results where run_id = ? and not success",
        run_id,
    )}  # fmt: skip
    assert set(results["expectation"]) == failing

    app.toggle(key="only-failed").set_value(False).run()
    results = next(t.value for t in app.dataframe if "expectation" in t.value.columns)
    assert len(results) == evaluated
    pipeline = next(t.value for t in app.dataframe if "failed_step" in t.value.columns)
    assert len(pipeline) == 2 and set(pipeline["status"]) <= {"succeeded", "breached"}
    every_table_is_downloadable(app)


# ---------------------------------------------------------------- corrections


def test_corrections_are_approved_through_the_inbox_never_the_warehouse(
    reading_env: DemoWarehouse,
):
    demo = reading_env
    planned = demo.rows(
        "select correction_id, action from writeback.corrections where status = 'planned' "
        "order by correction_id"
    )
    assert planned, "the demo plan proposes corrections"
    app = open_page("corrections")
    assert metrics(app)["Planned"] == str(len(planned))
    plan_table = app.dataframe[0].value
    assert set(plan_table["correction_id"]) >= {cid for cid, _ in planned}

    before = (demo.warehouse.stat().st_mtime_ns, demo.snapshot.stat().st_mtime_ns)
    chosen = planned[0][0]
    app.multiselect(key="approve-ids").set_value([chosen])
    app.text_input(key="approve-by").input("jane@shop.example")
    app.button(key="approve-submit").click().run()
    assert not app.exception
    assert any("approved by jane@shop.example" in text for text in texts(app.success))
    assert [a.correction_id for a in pending_approvals(demo.warehouse)] == [chosen]
    assert (demo.warehouse.stat().st_mtime_ns, demo.snapshot.stat().st_mtime_ns) == before

    # The next plan moves the approval into the warehouse; the page then shows it approved.
    plan(demo.warehouse)
    app.run()
    approved = app.dataframe[0].value.set_index("correction_id")
    assert approved.at[chosen, "status"] == "approved"
    assert approved.at[chosen, "approved_by"] == "jane@shop.example"
    assert metrics(app)["Approved"] == "1"


def test_an_approval_needs_a_name(reading_env: DemoWarehouse):
    app = open_page("corrections")
    (chosen,) = reading_env.one(
        "select correction_id from writeback.corrections where status = 'planned' limit 1"
    )
    app.multiselect(key="approve-ids").set_value([chosen])
    app.button(key="approve-submit").click().run()
    assert any("approved_by is required" in text for text in texts(app.error))


# ---------------------------------------------------------------- before anything ran


@pytest.fixture
def bare_snapshot(demo: DemoWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A snapshot of a warehouse that was built but never checked, recorded or planned."""
    warehouse = tmp_path / "recon.duckdb"
    snapshot = tmp_path / "recon.read.duckdb"
    shutil.copyfile(demo.snapshot, snapshot)
    with duckdb.connect(str(snapshot)) as con:
        con.execute("drop schema monitoring cascade")
        con.execute("drop schema writeback cascade")
    monkeypatch.setenv("RECON_WAREHOUSE", str(warehouse))
    return warehouse


def test_pages_say_plainly_what_has_not_happened_yet(bare_snapshot: Path):
    overview = open_page("overview")
    assert any("No run history yet" in text for text in texts(overview.info))
    assert metrics(overview)["Open exceptions"] != "0"

    history = open_page("run_history")
    assert any(text.startswith("No check has run yet") for text in texts(history.info))
    assert any(text.startswith("No pipeline run recorded yet") for text in texts(history.info))

    corrections = open_page("corrections")
    assert any(text.startswith("No correction planned yet") for text in texts(corrections.info))


def test_without_a_published_snapshot_every_page_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("RECON_WAREHOUSE", str(tmp_path / "recon.duckdb"))
    for page in PAGES:
        app = open_page(page)
        (warning,) = texts(app.warning)
        assert "No run has published a read snapshot" in warning
        assert "recon run" in warning
    assert not (tmp_path / "recon.duckdb").exists(), "the app never creates a warehouse"
