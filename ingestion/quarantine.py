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
from typing import Any

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
