"""The dashboard as people use it: `recon dashboard` serving on a free port, and Debian's
chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]
INSTALL_HINT = (
    "The dashboard's browser tests drive Debian's chromium, and /usr/bin/chromium is missing. "
    "Install it with `sudo apt-get install -y chromium` and run the tests again."
)
# Where screenshots go: $RECON_TEST_ARTIFACTS when set (CI keeps it), else a temp folder.
ARTIFACTS_ENV = "RECON_TEST_ARTIFACTS"


def chromium() -> Path:
    """Debian's chromium, installed here when this user may (root with apt), else a clear stop."""
    if not CHROMIUM.exists() and os.geteuid() == 0 and shutil.which("apt-get"):
        install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
        # A fresh machine may have no package lists yet: fetch them once if the install fails.
        for command in (install, ["apt-get", "update"], install):
            if CHROMIUM.exists():
                break
            subprocess.run(command, capture_output=True, timeout=900, check=False)
    if not CHROMIUM.exists():
        pytest.fail(INSTALL_HINT, pytrace=False)
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Served:
    base_url: str
    process: subprocess.Popen
    log: Path

    def open_files(self) -> set[Path]:
        """Files the dashboard process holds open right now."""
        held = set()
        fd_dir = Path(f"/proc/{self.process.pid}/fd")
        for fd in fd_dir.iterdir() if fd_dir.exists() else ():
            try:
                held.add(Path(os.readlink(fd)))
            except OSError:  # closed while we looked
                continue
        return held


@contextmanager
def serving_dashboard(warehouse: Path, log_dir: Path) -> Iterator[Served]:
    """`recon dashboard --warehouse ... --port <free>` until the block ends."""
    port = free_port()
    log = log_dir / f"dashboard-{port}.log"
    recon = Path(sys.executable).with_name("recon")
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(recon), "dashboard", "--warehouse", str(warehouse), "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    served = Served(f"http://localhost:{port}", process, log)
    try:
        _wait_healthy(served)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_healthy(served: Served, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            pytest.fail(f"recon dashboard exited:\n{served.log.read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{served.base_url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"recon dashboard did not answer within {timeout}s:\n{served.log.read_text()}")


def metric_values(page) -> dict[str, str]:
    """The page's metrics as a person reads them: label -> value."""
    values = {}
    for metric in page.locator('[data-testid="stMetric"]').all():
        label = metric.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        values[label] = metric.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return values


def wait_for_page(page, title: str, shows: str | None = None, timeout: float = 60_000) -> None:
    """Until the page's title and `shows` (a label drawn late) are on screen and Streamlit has
    finished running the page's script."""
    page.get_by_role("heading", name=title, level=1).wait_for(timeout=timeout)
    if shows:
        page.get_by_text(shows, exact=True).first.wait_for(timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )
