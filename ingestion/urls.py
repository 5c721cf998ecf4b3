"""The host URL a client is configured with, however the user pasted it."""

from __future__ import annotations

import re
from collections.abc import Sequence


def host_url(
    value: str | None, *, strip: Sequence[str], system: str, example: str, hint: str
) -> str:
    """`value` without a trailing `/` or any API path in `strip` (regexes anchored at the end).

    Raises ValueError naming the system, an example and where to set it when the result is
    not an http(s) URL.
    """
    url = (value or "").strip().rstrip("/")
    for pattern in strip:
        url = re.sub(f"(?:{pattern})$", "", url).rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise ValueError(
            f"{system} base_url {value!r} is not an http(s) URL like {example}; check {hint}"
        )
    return url
