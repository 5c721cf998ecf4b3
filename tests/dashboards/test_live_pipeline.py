"""A pipeline run while the dashboard serves: the run succeeds, the app keeps answering from
the previous snapshot without ever holding the live warehouse, then shows the new data by
itself once the run publishes."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from recon.run import RunOutcome
from tests.conftest import AS_OF
from tests.dashboards.browser import Served, metric_values, serving_dashboard, wait_for_page
from tests.dashboards.conftest import DemoWarehouse

pytestmark = pytest.mark.slow

# Two hours on, the order that had waited 10 minutes has waited too long and the parcel shipped
# 10 minutes before has still not been confirmed: the queue grows.
LATER = AS_OF + dt.timedelta(hours=2)


def open_count(demo: DemoWarehouse) -> int:
    return demo.one("select count(*) from exceptions where status = 'open'")[0]


def published(page: Page) -> str:
    caption = page.locator('[data-testid="stSidebar"]').get_by_text("Snapshot published")
    return caption.inner_text()


@pytest.fixture
def page(browser: Browser, served: Served) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    opened.goto(served.base_url)
    wait_for_page(opened, "Overview", shows="Open exceptions")
    yield opened
    context.close()


@pytest.fixture
def served(demo: DemoWarehouse, artifacts: Path) -> Iterator[Served]:
    with serving_dashboard(demo.warehouse, artifacts) as running:
        yield running


def test_a_run_while_the_app_serves_succeeds_and_then_shows_up(
    demo: DemoWarehouse, served: Served, page: Page, artifacts: Path
):
    before = open_count(demo)
    assert metric_values(page)["Open exceptions"] == str(before)
    published_before = published(page)

    outcome: list[RunOutcome] = []
    run = threading.Thread(target=lambda: outcome.append(demo.run_pipeline(LATER)))
    run.start()

    snapshot_before = demo.snapshot.stat().st_mtime_ns
    live_files = {demo.warehouse, demo.warehouse.with_name(demo.warehouse.name + ".wal")}
    answered = 0
    while run.is_alive():
        page.reload()
        wait_for_page(page, "Overview", shows="Open exceptions")
        shown = metric_values(page)["Open exceptions"]
        assert page.locator('[data-testid="stException"]').count() == 0
        # Until the run publishes, people keep working from the previous snapshot.
        if demo.snapshot.stat().st_mtime_ns == snapshot_before:
            assert shown == str(before)
        assert not live_files & served.open_files(), "the dashboard opened the live warehouse"
        answered += 1
    run.join()
    page.screenshot(path=artifacts / "during-run.png", full_page=True)

    (result,) = outcome
    assert result.failed_step is None, result.error
    assert result.status in ("succeeded", "breached")
    assert answered >= 2, "the app answered while the run worked"

    after = open_count(demo)
    assert after > before
    # No reload: the open page notices the new snapshot and redraws itself.
    deadline = time.monotonic() + 30
    while metric_values(page).get("Open exceptions") != str(after):
        assert time.monotonic() < deadline, "the new snapshot never showed up"
        time.sleep(0.5)
    assert published(page) != published_before
    page.screenshot(path=artifacts / "after-run.png", full_page=True)
