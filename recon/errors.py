"""Turn pipeline failures into one line a person can act on."""

from __future__ import annotations


def root_cause(error: BaseException) -> BaseException:
    """The innermost cause: dlt wraps a source's own error in several layers of its own."""
    seen: set[int] = set()
    current = error
    while id(current) not in seen:
        seen.add(id(current))
        inner = getattr(current, "exception", None) or current.__cause__
        if not isinstance(inner, BaseException):
            break
        current = inner
    return current


def describe(error: BaseException) -> str:
    cause = root_cause(error)
    return f"{type(cause).__name__}: {cause}"
