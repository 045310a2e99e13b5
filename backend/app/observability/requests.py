"""Each request measured: its telemetry for the code below, Server-Timing, and its duration."""

from __future__ import annotations

from opentelemetry.trace import Tracer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.app import telemetry
from backend.app.asgi import CLIENT_CLOSED_REQUEST, Middleware
from backend.app.observability.metrics import UNMATCHED, Metrics
from backend.app.telemetry import CLASSIFY, DB, RequestTelemetry

# Server-Timing's entries besides `cache`, in the order a browser lists them.
_PHASES = (DB, CLASSIFY)


def server_timing(measured: RequestTelemetry, now: float) -> str:
    """Return the Server-Timing of an answer: fixed names and durations in ms, nothing else."""
    entries = [f'cache;desc="{measured.cache}"']
    for name in _PHASES:
        seconds = measured.seconds(name, now)
        # A phase the request never entered has no entry: a reused answer has no `db`.
        if seconds is not None:
            entries.append(f"{name};dur={seconds * 1000:.1f}")
    entries.append(f"total;dur={(now - measured.started) * 1000:.1f}")
    return ", ".join(entries)


def route_of(scope: Scope) -> str:
    """Return the template of the route that answered, never the path the client sent."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED


class MeasuredRequests(Middleware):
    """ASGI middleware: each request's telemetry, Server-Timing on answers, and its duration.

    The telemetry is made before the request's code runs, so that every task it starts adds to
    it; an answer served through the cache (an analytics answer, or its 304) gets Server-Timing.
    """

    def __init__(self, app: ASGIApp, *, tracer: Tracer | None, metrics: Metrics | None) -> None:
        super().__init__(app)
        self.tracer = tracer
        self.metrics = metrics

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request with its telemetry current; time it."""
        measured = RequestTelemetry(self.tracer)
        status: int | None = None

        async def send_timed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if measured.cache is not None:
                    timing = server_timing(measured, measured.clock()).encode()
                    headers = [*message.get("headers", []), (b"server-timing", timing)]
                    message = {**message, "headers": headers}
            await send(message)

        token = telemetry.begin(measured)
        try:
            await self.app(scope, receive, send_timed)
        except Exception:
            status = status or 500
            raise
        finally:
            telemetry.end(token)
            if self.metrics is not None:
                self.metrics.observe(
                    route_of(scope),
                    status or CLIENT_CLOSED_REQUEST,
                    measured.clock() - measured.started,
                )
