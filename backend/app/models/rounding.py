"""Rounding as PostgreSQL's round(numeric, 2) does it, for the few figures Python computes."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")


def two_places(value: Decimal | float) -> float:
    """Return `value` rounded to 2 decimals, half away from zero (as every published figure)."""
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return float(exact.quantize(_CENT, ROUND_HALF_UP))


def as_float(value: Decimal | None) -> float | None:
    """Return a figure PostgreSQL rounded (a numeric) as the float a body holds; None stays."""
    return None if value is None else float(value)
