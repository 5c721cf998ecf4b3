"""Rejected records: kept, explained and queryable, never silently dropped.

Every source yields its rejects to a ``quarantine`` table in its own dataset. A rerun over the
same bad input yields the same ``quarantine_id``, so the table never grows duplicates.
A resource that yields rejects is wrapped with ``with_quarantine(resource, columns)``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

import dlt
from dlt.extract.items import DataItemWithMeta
from dlt.sources import DltResource

QUARANTINE_TABLE = "quarantine"

QUARANTINE_COLUMNS: dict[str, dict[str, Any]] = {
    "quarantine_id": {"data_type": "text", "nullable": False, "primary_key": True},
    "source": {"data_type": "text", "nullable": False},
    "entity": {"data_type": "text", "nullable": False},
    "record_ref": {"data_type": "text", "nullable": False},
    "reason": {"data_type": "text", "nullable": False},
    "raw_record": {"data_type": "text", "nullable": True},
    "quarantined_at": {"data_type": "timestamp", "timezone": True, "nullable": False},
}

logger = logging.getLogger("recon.quarantine")


def _quarantine_hints() -> dict[str, Any]:
    return dlt.mark.make_hints(
        table_name=QUARANTINE_TABLE,
        write_disposition="merge",
        primary_key="quarantine_id",
        columns=QUARANTINE_COLUMNS,
    )


def with_quarantine(resource: DltResource, columns: dict[str, dict[str, Any]]) -> DltResource:
    """Give ``resource`` its column hints and a quarantine table of its own.

    dlt seeds a table variant from the resource's hints as they are when the variant is
    created; registering the quarantine variant before the resource's own columns keeps the
    resource's keys and NOT NULL columns out of the quarantine table.
    """
    resource.apply_hints(
        table_name=QUARANTINE_TABLE,
        write_disposition="merge",
        primary_key="quarantine_id",
        columns=QUARANTINE_COLUMNS,
        create_table_variant=True,
    )
    resource.apply_hints(columns=columns)
    return resource


def _raw_text(raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    return json.dumps(raw, default=str, sort_keys=True, ensure_ascii=False)


def quarantine_record(
    *, source: str, entity: str, record_ref: str, reason: str, raw: Any
) -> DataItemWithMeta:
    """A reject routed to the quarantine table; logs one line naming the record and the reason."""
    raw_text = _raw_text(raw)
    digest = hashlib.sha256(
        "\x1f".join((source, entity, record_ref, raw_text)).encode("utf-8")
    ).hexdigest()[:32]
    logger.warning("quarantined %s %s (%s): %s", source, entity, record_ref, reason)
    row = {
        "quarantine_id": digest,
        "source": source,
        "entity": entity,
        "record_ref": record_ref,
        "reason": reason,
        "raw_record": raw_text,
        "quarantined_at": dt.datetime.now(dt.UTC),
    }
    # Routed to the variant that with_quarantine() registered on the emitting resource.
    return dlt.mark.with_hints(row, _quarantine_hints(), create_table_variant=True)


class Rejection(Protocol):
    """What a source's shaping returns for a record it cannot land."""

    record_ref: str
    reason: str
    raw: Any


def land_pages(
    pages: Iterable[Iterable[Any]],
    shape: Callable[[Any], tuple[dict[str, Any] | None, Rejection | None]],
    *,
    source: str,
    table: str,
    materialize: bool = True,
) -> Iterator[Any]:
    """Each page's landable rows as one list, then each reject as a quarantine row.

    A listing with no landable row still materialises its table (unless `materialize` is
    off), so downstream models always find it, and an emptied ``replace`` table is emptied in
    the warehouse too.
    """
    rejects: list[Rejection] = []
    landed = False
    for page in pages:
        rows = []
        for raw in page:
            row, rejected = shape(raw)
            if row is not None:
                rows.append(row)
            elif rejected is not None:
                rejects.append(rejected)
        if rows:
            landed = True
            yield rows
    yield from finish_landing(
        source=source, table=table, landed=landed or not materialize, rejects=rejects
    )


def finish_landing(
    *, source: str, table: str, landed: bool, rejects: Iterable[Rejection]
) -> Iterator[Any]:
    """Close a listing: materialise an empty table, then quarantine the rejects."""
    if not landed:
        yield dlt.mark.materialize_table_schema()
    # Rejects go last: a cursor-less row reaching dlt's incremental (with a lag) before the
    # first landable row upsets its start-of-run bookkeeping.
    for rejected in rejects:
        yield quarantine_record(
            source=source,
            entity=table,
            record_ref=rejected.record_ref,
            reason=rejected.reason,
            raw=rejected.raw,
        )
