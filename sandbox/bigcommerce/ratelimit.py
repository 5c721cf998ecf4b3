"""BigCommerce's per-store request quota, refreshed every window, and its headers.

Every answer to a counted request carries four headers: `X-Rate-Limit-Time-Window-Ms` (the
window's length), `X-Rate-Limit-Time-Reset-Ms` (milliseconds until the quota refreshes),
`X-Rate-Limit-Requests-Quota` and `X-Rate-Limit-Requests-Left` (what is left of it after this
request). Once nothing is left, requests get 429 Too Many Requests with the same headers and
`X-Retry-After` (seconds), until the window is over. A rejected request does not count.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    quota: int
    left: int
    reset_ms: int
    window_ms: int

    def headers(self) -> list[tuple[str, str]]:
        headers = [
            ("X-Rate-Limit-Time-Window-Ms", str(self.window_ms)),
            ("X-Rate-Limit-Time-Reset-Ms", str(self.reset_ms)),
            ("X-Rate-Limit-Requests-Quota", str(self.quota)),
            ("X-Rate-Limit-Requests-Left", str(self.left)),
        ]
        if not self.allowed:
            headers.append(("X-Retry-After", str(max(1, math.ceil(self.reset_ms / 1000)))))
        return headers


class QuotaWindow:
    """`quota` requests per fixed window of `window_ms`, the window opening with its first one."""

    def __init__(
        self, quota: int, window_ms: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if quota < 1 or window_ms < 1:
            raise ValueError("a quota window needs a positive quota and length")
        self.quota = quota
        self.window_ms = window_ms
        self._clock = clock
        self._lock = threading.Lock()
        self._opened: float | None = None
        self._used = 0

    def take(self) -> Allowance:
        with self._lock:
            now = self._clock()
            if self._opened is None or (now - self._opened) * 1000 >= self.window_ms:
                self._opened, self._used = now, 0
            reset_ms = max(0, math.ceil(self.window_ms - (now - self._opened) * 1000))
            allowed = self._used < self.quota
            if allowed:
                self._used += 1
            return Allowance(allowed, self.quota, self.quota - self._used, reset_ms, self.window_ms)
