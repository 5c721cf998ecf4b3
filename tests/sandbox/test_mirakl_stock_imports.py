"""Stock imports run in the background on Mirakl: STO01 completes whether or not STO02 is polled."""

from __future__ import annotations

import csv
import io
import time

from tests.sandbox.conftest import RunningSandbox, StartSandbox

STOCK_HEADER = '"offer-sku";"quantity";"warehouse-code";"update-delete"'


def upload(mirakl: RunningSandbox, *rows: str) -> str:
    text = "\n".join([STOCK_HEADER, *rows]) + "\n"
    created = mirakl.post(
        "/offers/stock/imports", files={"file": ("stock.csv", text.encode(), "text/csv")}
    )
    assert created.status_code == 201, created.text
    return created.json()["import_id"]


def quantity(mirakl: RunningSandbox, sku: str) -> int:
    (offer,) = mirakl.get("/offers", {"sku": sku}).json()["offers"]
    return offer["quantity"]


def test_an_import_nobody_polls_completes_after_the_background_delay(
    start_sandbox: StartSandbox,
) -> None:
    mirakl = start_sandbox(stock_import_seconds_until_complete=0.3)
    before = quantity(mirakl, "24-MB01")
    import_id = upload(mirakl, f'"24-MB01";"{before + 5}";"";""', '"NO-SUCH-SKU";"1";"";""')
    assert quantity(mirakl, "24-MB01") == before  # still queued

    time.sleep(0.4)
    # OF21 shows the new quantity although STO02 was never called.
    assert quantity(mirakl, "24-MB01") == before + 5
    status = mirakl.get(f"/offers/stock/imports/{import_id}/status").json()
    assert (status["status"], status["lines_in_success"], status["lines_in_error"]) == (
        "COMPLETE",
        1,
        1,
    )
    assert status["has_error_report"] is True

    # STO03: the first column is the rejected line's number in the file, the second the reason.
    report = mirakl.get(f"/offers/stock/imports/{import_id}/error_report")
    rows = list(csv.reader(io.StringIO(report.text), delimiter=";"))
    assert rows[1][0] == "3" and "NO-SUCH-SKU" in rows[1][1]


def test_without_a_background_delay_only_polls_complete_an_import(
    start_sandbox: StartSandbox,
) -> None:
    mirakl = start_sandbox(stock_import_seconds_until_complete=None)
    before = quantity(mirakl, "24-MB01")
    import_id = upload(mirakl, f'"24-MB01";"{before + 2}";"";""')
    time.sleep(0.2)
    assert quantity(mirakl, "24-MB01") == before
    statuses = [
        mirakl.get(f"/offers/stock/imports/{import_id}/status").json()["status"] for _ in range(3)
    ]
    assert statuses == ["WAITING", "RUNNING", "COMPLETE"]
    assert quantity(mirakl, "24-MB01") == before + 2
