"""The queries a page runs during one script run, answered from the current snapshot.

app.py opens one Reader per script run (a batch), pages call `load(queries.some_query, ...)`,
and app.py closes the connection when the page is drawn. Answers are cached per snapshot: the
cache key holds the snapshot's identity, so a newly published snapshot is read afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from dashboards import queries
from dashboards.snapshot import Reader, Snapshot

# Streamlit runs each browser session's script in its own thread.
_local = threading.local()


@contextmanager
def reading(snapshot: Snapshot) -> Iterator[Reader]:
    reader = Reader(snapshot)
    _local.reader = reader
    try:
        yield reader
    finally:
        _local.reader = None
        reader.close()


def current_reader() -> Reader:
    reader = getattr(_local, "reader", None)
    if reader is None:
        raise RuntimeError("pages read the warehouse only inside app.py's reading() block")
    return reader


def load(query: Callable[..., pd.DataFrame], *params: object) -> pd.DataFrame:
    """Run one function of dashboards.queries (cached for this snapshot and these parameters)."""
    reader = current_reader()
    return _cached(reader.snapshot.identity, query.__name__, params, reader)


@st.cache_data(max_entries=512, show_spinner=False)
def _cached(
    identity: tuple[str, int, int, int], query_name: str, params: tuple, _reader: Reader
) -> pd.DataFrame:
    return getattr(queries, query_name)(_reader.connection(), *params)


def tables() -> set[str]:
    """schema.table names present in the snapshot."""
    return set(load(queries.existing_tables)["table_name"])
