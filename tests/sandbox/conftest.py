"""Running Mirakl sandboxes for the tests of this folder, reached over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.mirakl import MiraklSandbox, SandboxConfig
from sandbox.world.layout import WorldLayout
from tests.support.mirakl_worlds import build_mirakl_world

API_KEY = "sandbox-shop-key"


@dataclass
class RunningSandbox:
    """A sandbox being served, and an authenticated session to its `/api`."""

    sandbox: MiraklSandbox
    base_url: str
    session: requests.Session

    @property
    def api(self) -> str:
        return self.base_url + "/api"

    def get(self, path: str, params: Any = None, **kwargs: Any) -> requests.Response:
        return self.session.get(self.api + path, params=params, timeout=10, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.session.put(self.api + path, json=json, timeout=10, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.post(self.api + path, timeout=10, **kwargs)


StartSandbox = Callable[..., RunningSandbox]


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> WorldLayout:
    """60 orders and 300 transaction lines: enough for several pages of everything."""
    root: Path = tmp_path_factory.mktemp("mirakl") / "world"
    return build_mirakl_world(root, orders=60, transaction_lines=300)


@pytest.fixture
def start_sandbox(small_world: WorldLayout) -> Iterator[StartSandbox]:
    """Start a fresh sandbox on the small world; keyword arguments go to SandboxConfig."""
    with ExitStack() as stack:

        def start(world: WorldLayout | None = None, **config: Any) -> RunningSandbox:
            layout = world or small_world
            sandbox = MiraklSandbox.from_world(layout.root, config=SandboxConfig(**config))
            base_url = stack.enter_context(sandbox.serve())
            session = requests.Session()
            session.headers["Authorization"] = config.get("api_key", API_KEY)
            stack.callback(session.close)
            return RunningSandbox(sandbox, base_url, session)

        yield start


@pytest.fixture
def mirakl(start_sandbox: StartSandbox) -> RunningSandbox:
    """A sandbox with the default configuration: no budget, no faults."""
    return start_sandbox()
