"""A circuit breaker: after repeated failures, leave a dependency alone for a cool-down."""

from __future__ import annotations

import time
from collections.abc import Callable


class CircuitBreaker:
    """Counts consecutive failures; at `failures` it opens for `cooldown` seconds.

    Open, it refuses every call. Once the cool-down has passed it lets one call through as a
    probe: a success closes it, a failure opens it for another cool-down.
    """

    def __init__(
        self,
        *,
        failures: int,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.cooldown = cooldown
        self._clock = clock
        self._consecutive = 0
        self._open_until: float | None = None
        self._probing = False

    def allow(self) -> bool:
        """Return whether a call may go out now (claiming the probe when one is due)."""
        if self._open_until is None:
            return True
        if self._probing or self._clock() < self._open_until:
            return False
        self._probing = True
        return True

    def succeeded(self) -> None:
        """Record a successful call: the breaker closes."""
        self._consecutive = 0
        self._open_until = None
        self._probing = False

    def abandoned(self) -> None:
        """Record a call that ended with no verdict (cancelled): a claimed probe is released."""
        self._probing = False

    def failed(self) -> None:
        """Record a failed call: the breaker opens at the threshold, or again after a probe."""
        self._consecutive += 1
        if self._probing or self._consecutive >= self.failures:
            self._open_until = self._clock() + self.cooldown
            self._probing = False

    @property
    def consecutive_failures(self) -> int:
        """Return how many calls in a row have failed."""
        return self._consecutive

    @property
    def is_open(self) -> bool:
        """Return whether calls are being refused (open, and no probe is due yet)."""
        return self._open_until is not None and (self._probing or self._clock() < self._open_until)
