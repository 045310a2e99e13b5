"""The LLM's circuit breaker: the service's one (backend/app/breaker.py), saying why it is open."""

from __future__ import annotations

from backend.app import breaker


class CircuitBreaker(breaker.CircuitBreaker):
    """The circuit breaker in front of the LLM; `reason` is what pain points report while open."""

    def reason(self) -> str:
        """Describe the open breaker, for `fallback_reason`."""
        return (
            f"LLM circuit breaker open after {self.consecutive_failures} consecutive failed "
            f"calls: the local classifier answers without calling the LLM for {self.cooldown:g} "
            "s, then one call probes it"
        )
