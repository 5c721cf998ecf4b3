"""Runbooks: one Markdown page per exception type in docs/runbooks/, for the people who fix them."""

from __future__ import annotations

import re
from pathlib import Path

from recon.settings import PROJECT_ROOT

RUNBOOK_DIR = PROJECT_ROOT / "docs" / "runbooks"
_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def runbook_path(exception_type: str) -> Path:
    # The type comes from the warehouse; a name that is not a plain identifier never reaches
    # the file system.
    if not _TYPE_NAME.match(exception_type):
        raise ValueError(f"not an exception type: {exception_type!r}")
    return RUNBOOK_DIR / f"{exception_type}.md"


def read_runbook(exception_type: str) -> str | None:
    """The runbook's Markdown, or None when the type has none yet."""
    path = runbook_path(exception_type)
    return path.read_text(encoding="utf-8") if path.is_file() else None
