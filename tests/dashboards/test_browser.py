"""The exception queue in a real browser: `recon dashboard` on the demo warehouse, every page
opened from the navigation, its key figures checked against the warehouse, a screenshot each."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.dashboards.browser import Served, metric_values, serving_dashboard, wait_for_page
from tests.dashboards.conftest import DemoWarehouse, money

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(demo: DemoWarehouse, artifacts: Path) -> Iterator[Served]:
    with serving_dashboard(demo.warehouse, artifacts) as running:
        yield running


@pytest.fixture
def page(browser: Browser, served: Served) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
    opened = context.new_page()
    opened.goto(served.base_url)
    wait_for_page(opened, "Overview", shows="Open exceptions")
    yield opened
    context.close()


def visit(page: Page, title: str, shows: str, artifacts: Path) -> dict[str, str]:
    """Open a page from the sidebar as a person does; no error on it; keep a screenshot."""
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    wait_for_page(page, title, shows=shows)
    assert page.locator('[data-testid="stException"]').count() == 0, f"{title} shows an error"
    page.screenshot(path=artifacts / f"{title.lower().replace(' ', '-')}.png", full_page=True)
    return metric_values(page)


def test_every_page_shows_the_warehouse_figures(
    page: Page, demo: DemoWarehouse, served: Served, artifacts: Path
):
    open_count, critical = demo.one(
        "select count(*), count(*) filter (where severity = 'critical') "
        "from exceptions where status = 'open'"
    )
    (at_risk,) = demo.one(
        "select sum(amount_at_risk) from exceptions where status = 'open' and currency = 'EUR'"
    )
    shown = visit(page, "Overview", "Open exceptions", artifacts)
    assert shown["Open exceptions"] == str(open_count)
    assert shown["Critical"] == str(critical)
    assert shown["Money at risk"] == money(at_risk, "EUR")
    assert page.get_by_text("Snapshot published").count() == 1

    visit(page, "Orders", "Download CSV", artifacts)
    for title, count in demo.rows(
        "select types.title, count(*) from exceptions "
        "join reference.exception_types as types using (exception_type) "
        "where status = 'open' and exceptions.exception_type in "
        "('unacknowledged_order', 'fulfilled_not_shipped', 'order_missing_in_erp') "
        "group by types.title"
    ):
        assert page.get_by_role("tab", name=f"{title} ({count})").count() == 1

    (mismatches,) = demo.one(
        "select count(*) from exceptions "
        "where status = 'open' and exception_type = 'stock_mismatch'"
    )
    shown = visit(page, "Stock", "Stock mismatches", artifacts)
    assert shown["Stock mismatches"] == str(mismatches)

    (cycles,) = demo.one("select count(*) from finance.payout_reconciliation")
    (variances,) = demo.one(
        "select count(*) from exceptions "
        "where status = 'open' and exception_type = 'payout_variance'"
    )
    shown = visit(page, "Payouts", "Paid billing cycles", artifacts)
    assert shown["Paid billing cycles"] == str(cycles)
    assert shown["Cycles that do not reconcile"] == str(variances)

    (failed,) = demo.one(
        "select failed from monitoring.check_runs order by started_at desc limit 1"
    )
    shown = visit(page, "Run history", "Failed expectations", artifacts)
    assert shown["Failed expectations"] == str(failed)

    (planned,) = demo.one("select count(*) from writeback.corrections where status = 'planned'")
    assert visit(page, "Corrections", "Planned", artifacts)["Planned"] == str(planned)

    screenshots = sorted(path.name for path in artifacts.glob("*.png"))
    assert screenshots == sorted(
        f"{name}.png"
        for name in ("overview", "orders", "stock", "payouts", "run-history", "corrections")
    )
    assert all((artifacts / name).stat().st_size > 10_000 for name in screenshots)


def test_the_queue_downloads_as_csv_with_exact_amounts(page: Page, demo: DemoWarehouse):
    queue = page.get_by_role("button", name="Download CSV").last
    with page.expect_download() as download:
        queue.click()
    assert download.value.suggested_filename == "open-exceptions.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    expected = dict(
        demo.rows("select exception_id, amount_at_risk from exceptions where status = 'open'")
    )
    assert {row["exception_id"] for row in rows} == set(expected)
    for row in rows:
        amount = expected[row["exception_id"]]
        assert (Decimal(row["amount_at_risk"]) if row["amount_at_risk"] else None) == amount
