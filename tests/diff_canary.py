"""The only callable the differential generator's files may reach."""

from __future__ import annotations

CALLS: list[tuple[object, ...]] = []


def canary(*args: object) -> tuple[str, tuple[object, ...]]:
    """Harmless: records that it ran and returns its arguments."""
    CALLS.append(args)
    return ("canary", args)
