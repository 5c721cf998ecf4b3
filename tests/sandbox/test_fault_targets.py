"""Faults can be aimed at some methods: writes fail or hang while reads go through."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.http import FaultPlan
from tests.sandbox.conftest import StartSandbox


def test_faults_limited_to_writes_leave_reads_alone(start_sandbox: StartSandbox) -> None:
    mirakl = start_sandbox(faults=FaultPlan(seed=1, error_rate=1.0, methods=frozenset({"PUT"})))
    assert mirakl.get("/orders").status_code == 200
    assert mirakl.get("/offers").status_code == 200
    refused = mirakl.put("/orders/no-such-order/ship")
    assert refused.status_code in (500, 503)
    faults = [(record.method, record.fault) for record in mirakl.sandbox.request_log]
    assert faults == [("GET", None), ("GET", None), ("PUT", "error")]


def test_a_slow_write_is_applied_after_its_delay_even_if_nobody_waits(
    start_sandbox: StartSandbox,
) -> None:
    mirakl = start_sandbox(
        faults=FaultPlan(seed=1, slow_rate=1.0, slow_seconds=0.6, methods=frozenset({"PUT"}))
    )
    order = mirakl.get("/orders", {"order_state_codes": "SHIPPING"}).json()["orders"][0]
    with pytest.raises(requests.Timeout):
        mirakl.session.put(f"{mirakl.api}/orders/{order['order_id']}/ship", timeout=0.2)
    time.sleep(0.8)
    # The client gave up, but Mirakl (the sandbox) went on and shipped the order.
    shipped = mirakl.get("/orders", {"order_ids": order["order_id"]}).json()["orders"][0]
    assert shipped["order_state"] == "SHIPPED"
    (record,) = [r for r in mirakl.sandbox.request_log if r.method == "PUT"]
    assert (record.status, record.fault) == (204, "slow")
