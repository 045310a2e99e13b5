"""Read the field annotations of the response models."""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin


def union_members(annotation: Any) -> tuple[Any, ...]:
    """Return the types a field may hold besides None (the annotation itself for a non-union)."""
    if get_origin(annotation) in (Union, types.UnionType):
        return tuple(arg for arg in get_args(annotation) if arg is not type(None))
    return (annotation,)
