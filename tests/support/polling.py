"""Waiting on a condition that has no event to wait on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(condition: Callable[[], bool], *, within: float = 60.0) -> None:
    """Poll `condition` until it holds, for what has no event to wait on (an admission, say)."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 (nothing to wait on but the condition)
            await asyncio.sleep(0.01)
