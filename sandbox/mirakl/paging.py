"""Mirakl's two paginations: offset (`max`/`offset`, `total_count`, Link header) and seek (tokens).

Offset: `max` defaults to 10 and may not exceed 100; the body carries `total_count` and the reply
an RFC 5988 `Link` header with `rel="next"` / `rel="previous"` URLs.

Seek: `limit` defaults to 10, up to an endpoint-specific maximum; the body is
`{"data": [...], "next_page_token"?, "previous_page_token"?}`. A token embeds every original
parameter plus the sort key of the page edge, so a request with `page_token` ignores all other
parameters and a page boundary does not move when rows are added elsewhere.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sandbox.http import HTTPError, Request, Response, json_response
from sandbox.mirakl import params
from sandbox.mirakl.params import Query

OFFSET_DEFAULT_MAX = 10
OFFSET_MAX_LIMIT = 100
SEEK_DEFAULT_LIMIT = 10


def offset_page(request: Request, items: Sequence[dict[str, Any]], collection: str) -> Response:
    """Answer one offset page of `items` (already filtered and sorted) under key `collection`."""
    # The SDK sends paginate=true; paginate=false asks for every row at once.
    if params.boolean(request.query, "paginate") is False:
        return json_response({collection: list(items), "total_count": len(items)})
    size = params.integer(
        request.query, "max", default=OFFSET_DEFAULT_MAX, minimum=1, maximum=OFFSET_MAX_LIMIT
    )
    offset = params.integer(request.query, "offset", default=0, minimum=0)
    page = list(items[offset : offset + size])
    links = []
    if offset + size < len(items):
        links.append(f'<{_page_url(request, offset + size, size)}>; rel="next"')
    if offset > 0:
        links.append(f'<{_page_url(request, max(offset - size, 0), size)}>; rel="previous"')
    headers = [("Link", ", ".join(links))] if links else []
    return json_response({collection: page, "total_count": len(items)}, headers=headers)


def _page_url(request: Request, offset: int, size: int) -> str:
    query = {key: value for key, value in request.query.items() if key not in ("offset", "max")}
    query["max"] = [str(size)]
    query["offset"] = [str(offset)]
    return f"{request.base_url}{request.path}?{urlencode(query, doseq=True)}"


# --- seek -------------------------------------------------------------------------------------

SortKey = tuple[str, ...]


@dataclass(frozen=True)
class SeekSelection:
    """The rows a seek request selects, in the requested order, and how to key each row.

    Keys must be unique per row and compare like the order of `rows`: ascending keys when
    `descending` is False, descending keys otherwise.
    """

    rows: list[dict[str, Any]]
    key: Callable[[dict[str, Any]], SortKey]
    descending: bool


def seek_page(
    request: Request, *, max_limit: int, select: Callable[[Query], SeekSelection]
) -> Response:
    token = request.arg("page_token")
    if token:
        query, cursor, direction = _decode_token(token)
    else:
        query = {key: value for key, value in request.query.items() if key != "page_token"}
        cursor, direction = None, "next"
    limit = params.integer(query, "limit", default=SEEK_DEFAULT_LIMIT, minimum=1, maximum=max_limit)
    selection = select(query)
    rows, keys = selection.rows, [selection.key(row) for row in selection.rows]

    def comes_after(key: SortKey, edge: SortKey) -> bool:
        return key < edge if selection.descending else key > edge

    if cursor is None:
        start = 0
    elif direction == "next":
        start = next((i for i, key in enumerate(keys) if comes_after(key, cursor)), len(rows))
    else:
        # The page ends just before the cursor row.
        end = next((i for i, key in enumerate(keys) if not comes_after(cursor, key)), len(rows))
        start = max(end - limit, 0)
        limit = end - start
    page = rows[start : start + limit]
    body: dict[str, Any] = {"data": page}
    if page and start + len(page) < len(rows):
        body["next_page_token"] = _encode_token(query, keys[start + len(page) - 1], "next")
    if page and start > 0:
        body["previous_page_token"] = _encode_token(query, keys[start], "previous")
    return json_response(body)


def _encode_token(query: Query, cursor: SortKey, direction: str) -> str:
    payload = json.dumps({"q": query, "c": list(cursor), "d": direction}, sort_keys=True)
    return base64.urlsafe_b64encode(payload.encode("utf-8")).decode("ascii").rstrip("=")


def _decode_token(token: str) -> tuple[dict[str, list[str]], SortKey, str]:
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        query = {str(key): [str(value) for value in values] for key, values in payload["q"].items()}
        cursor = tuple(str(part) for part in payload["c"])
        direction = payload["d"]
        if direction not in ("next", "previous"):
            raise ValueError(direction)
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, UnicodeError):
        raise HTTPError(400, "Invalid value for parameter 'page_token'") from None
    return query, cursor, direction
