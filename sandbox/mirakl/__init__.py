"""A local stand-in for the Mirakl seller API (MMP), serving one shop of a demo world.

from sandbox.mirakl import MiraklSandbox, SandboxConfig

sandbox = MiraklSandbox.from_world(Path("demo/world"), config=SandboxConfig())
with sandbox.serve() as base_url:  # the API lives under base_url + "/api"
    ...
"""

from sandbox.mirakl.config import SandboxConfig
from sandbox.mirakl.server import MiraklSandbox
from sandbox.mirakl.state import MiraklState, StockImport, WorldDataError

__all__ = ["MiraklSandbox", "MiraklState", "SandboxConfig", "StockImport", "WorldDataError"]
