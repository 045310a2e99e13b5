"""What one request measures of itself: its phases' wall time, its cache outcome, its spans.

The middleware makes a request's RequestTelemetry before the request starts any task, so that
every task it starts (each statement, the cache's shared computation) adds to that same object:
tasks copy the context, not what it points to. Outside a request nothing is measured or traced,
and with tracing off no span is started at all.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar, Token
from typing import Any

from opentelemetry.trace import INVALID_SPAN, Span, SpanKind, StatusCode, Tracer
from opentelemetry.util.types import Attributes

# Server-Timing's phases: time inside database calls, and pain points' classification.
DB = "db"
CLASSIFY = "classify"


class _Phase:
    """Wall time while at least one task of the request is in the phase."""

    __slots__ = ("running", "seconds", "since")

    def __init__(self) -> None:
        self.running = 0
        self.since = 0.0
        self.seconds = 0.0


class RequestTelemetry:
    """One request's measures: wall time per phase, its cache outcome, and its tracer, if any."""

    def __init__(
        self, tracer: Tracer | None = None, *, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self.tracer = tracer
        self.clock = clock
        self.started = clock()
        # "hit", "miss" or "shared", once the request is answered through the cache.
        self.cache: str | None = None
        self._phases: dict[str, _Phase] = {}

    def enter(self, name: str, now: float) -> None:
        """Count one more task in phase `name` from `now`."""
        phase = self._phases.get(name)
        if phase is None:
            phase = self._phases[name] = _Phase()
        if phase.running == 0:
            phase.since = now
        phase.running += 1

    def leave(self, name: str, now: float) -> None:
        """Count one task fewer in phase `name` from `now`."""
        phase = self._phases[name]
        phase.running -= 1
        if phase.running == 0:
            phase.seconds += now - phase.since

    def seconds(self, name: str, now: float) -> float | None:
        """Return the wall time spent in phase `name` up to `now`, or None if it never began."""
        phase = self._phases.get(name)
        if phase is None:
            return None
        return phase.seconds + (now - phase.since if phase.running else 0.0)


_current: ContextVar[RequestTelemetry | None] = ContextVar("request_telemetry", default=None)


# The phase a task is in, and the task that entered it (a child task inherits the variable, not
# the phase: its own phase pauses nothing).
_within: ContextVar[tuple[str, asyncio.Task[Any] | None] | None] = ContextVar(
    "telemetry_phase", default=None
)


def begin(telemetry: RequestTelemetry) -> Token[RequestTelemetry | None]:
    """Make `telemetry` the current request's, until `end` is given the token."""
    return _current.set(telemetry)


def end(token: Token[RequestTelemetry | None]) -> None:
    """Stop measuring the request `begin` started."""
    _current.reset(token)


def current() -> RequestTelemetry | None:
    """Return the current request's telemetry, or None outside a request."""
    return _current.get()


class _PhaseBlock:
    """The block of a `phase`: a class, as it runs around every database wait."""

    __slots__ = ("_name", "_paused", "_telemetry", "_token")

    def __init__(self, name: str) -> None:
        self._name = name

    def __enter__(self) -> None:
        self._telemetry = telemetry = _current.get()
        if telemetry is None:
            return
        task = asyncio.current_task()
        outer = _within.get()
        self._paused = outer[0] if outer is not None and outer[1] is task else None
        now = telemetry.clock()
        if self._paused is not None:
            telemetry.leave(self._paused, now)
        telemetry.enter(self._name, now)
        self._token = _within.set((self._name, task))

    def __exit__(self, *_: object) -> None:
        telemetry = self._telemetry
        if telemetry is None:
            return
        _within.reset(self._token)
        now = telemetry.clock()
        telemetry.leave(self._name, now)
        if self._paused is not None:
            telemetry.enter(self._paused, now)


def phase(name: str) -> AbstractContextManager[None]:
    """Count the block's wall time in phase `name`, pausing the phase this task was in.

    Pausing keeps a phase to its own work: a classification waiting on its texts' database reads
    counts that wait as `db`, not as `classify`.
    """
    return _PhaseBlock(name)


def _tracer() -> Tracer | None:
    telemetry = _current.get()
    return None if telemetry is None else telemetry.tracer


def failed(span: Span, error: BaseException) -> None:
    """Mark `span` failed by the type of `error`: its message could hold a value or SQL."""
    span.set_status(StatusCode.ERROR)
    span.set_attribute("error.type", type(error).__qualname__)


# What `span` gives with tracing off: nothing started, nothing to end.
_NO_SPAN = nullcontext(INVALID_SPAN)


def span(
    name: str, attributes: Attributes = None, *, kind: SpanKind = SpanKind.INTERNAL
) -> AbstractContextManager[Span]:
    """Trace the block as a child of the current span; a no-op span when tracing is off."""
    tracer = _tracer()
    if tracer is None:
        return _NO_SPAN
    return _traced(tracer, name, attributes, kind)


@contextmanager
def _traced(tracer: Tracer, name: str, attributes: Attributes, kind: SpanKind) -> Iterator[Span]:
    # Never the exception recorded, nor its text as the status: only its type, by `failed`.
    with tracer.start_as_current_span(
        name,
        kind=kind,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as started:
        try:
            yield started
        except BaseException as error:
            failed(started, error)
            raise


def start_span(
    name: str, attributes: Attributes = None, *, kind: SpanKind = SpanKind.INTERNAL
) -> Span:
    """Start a span that is not made current, for an async generator to end when it closes.

    An async generator runs in its caller's context, step by step: a span made current inside
    it would be current in the caller between the steps.
    """
    tracer = _tracer()
    if tracer is None:
        return INVALID_SPAN
    return tracer.start_span(name, kind=kind, attributes=attributes)
