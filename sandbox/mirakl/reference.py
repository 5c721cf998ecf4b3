"""Reference lists: SH21 (carriers), RE01 (reasons), and the V01 health check."""

from __future__ import annotations

from functools import partial

from sandbox.http import Request, Response, Router, json_response
from sandbox.mirakl.config import Context

SANDBOX_VERSION = "mirakl-recon-sandbox"


def register(router: Router, ctx: Context) -> None:
    router.add("GET", "/api/shipping/carriers", partial(list_carriers, ctx))
    router.add("GET", "/api/reasons", partial(list_reasons, ctx))
    router.add("GET", "/api/version", version)


def list_carriers(ctx: Context, request: Request) -> Response:
    # SH21 sorts carriers by label.
    carriers = sorted(ctx.state.carriers, key=lambda c: (str(c.get("label") or ""), c.get("code")))
    return json_response({"carriers": carriers})


def list_reasons(ctx: Context, request: Request) -> Response:
    # RE01 sorts by type, then by the back-office index: the world's order within a type.
    reasons = sorted(ctx.state.reasons, key=lambda r: str(r.get("type") or ""))
    return json_response({"reasons": reasons, "total_count": len(reasons)})


def version(request: Request) -> Response:
    # Only the status matters to V01 callers; the body may change.
    return json_response({"version": SANDBOX_VERSION})
