"""What tests of `compare` read from `changes`: the shown values of each change."""

from __future__ import annotations

from typing import Any

# What a change shows besides its test: the two values, their difference and its percentage.
SHOWN = ("current", "previous", "delta", "delta_pct")


def change(current: Any, previous: Any, delta: Any, pct: Any) -> dict[str, Any]:
    """Return the shown part of one `changes` entry."""
    return {"current": current, "previous": previous, "delta": delta, "delta_pct": pct}


def shown(changes: dict[str, Any]) -> dict[str, Any]:
    """Return the shown part of every top-level change (lists left out)."""
    return {
        name: {key: entry[key] for key in SHOWN}
        for name, entry in changes.items()
        if isinstance(entry, dict)
    }
