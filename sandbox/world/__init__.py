"""The demo world: one seller's consistent history, with drift injected at known places."""

from sandbox.world.layout import (
    ERP_FILES,
    MIRAKL_COLLECTIONS,
    WorldLayout,
    WorldManifest,
)

__all__ = ["ERP_FILES", "MIRAKL_COLLECTIONS", "WorldLayout", "WorldManifest"]
