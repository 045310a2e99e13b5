"""Traces, opt-in through the standard OTEL_* variables: the provider, its exporters, redaction."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager

from fastapi.telemetry import TelemetryConfig
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import Link, Status, Tracer

from backend.app.start_error import StartupError

SERVICE = "heritage-analytics"
EXPORTERS = ("otlp", "console")
OTLP_PROTOCOL = "http/protobuf"
# How long the shutdown waits for the last spans to be exported.
FLUSH_SECONDS = 5.0

# The span attributes that leave the process: the service's own (names, counts, SQL text with
# its values left as $n) and FastAPI's that hold nothing of the request. The others are dropped
# before export: url.query holds the filters (a user id), url.path and server.address whatever
# the client sent, and an exception event its message.
EXPORTED_ATTRIBUTES = frozenset(
    {
        # The request (FastAPI).
        "http.request.method",
        "http.route",
        "http.response.status_code",
        "url.scheme",
        "network.protocol.version",
        "code.function.name",
        "error.type",
        # Statements and the text stream.
        "db.system",
        "db.statement",
        "heritage.grain",
        "heritage.window",
        "heritage.rows",
        "heritage.batches",
        # The classification and the LLM.
        "heritage.classifier",
        "heritage.texts",
        "heritage.queries",
        "heritage.fell_back",
        "heritage.llm.texts",
        "heritage.llm.batches",
        "gen_ai.request.model",
        # Cache reads.
        "heritage.cache.store",
        "heritage.cache.outcome",
        "heritage.found",
    }
)


def requested_exporters(environ: Mapping[str, str]) -> list[str]:
    """Return the span exporters the environment asks for: none unless it asks for traces."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return []
    named = [name.strip().lower() for name in environ.get("OTEL_TRACES_EXPORTER", "").split(",")]
    named = [name for name in named if name]
    if named:
        return [] if "none" in named else named
    # An endpoint alone asks for OTLP, as it does of every OpenTelemetry SDK.
    endpoint = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    )
    return ["otlp"] if endpoint else []


def _redacted(span: ReadableSpan) -> ReadableSpan:
    """Return `span` with only the attributes that may leave the process, and no events."""
    attributes = span.attributes or {}
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes={key: attributes[key] for key in attributes if key in EXPORTED_ATTRIBUTES},
        links=[Link(link.context) for link in span.links],
        kind=span.kind,
        # The code only: a description is an exception's text.
        status=Status(span.status.status_code),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class Redacting(SpanExporter):
    """A span exporter that passes on each span with only the attributes that may leave."""

    def __init__(self, exporter: SpanExporter) -> None:
        self.exporter = exporter

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Export the spans, redacted."""
        return self.exporter.export([_redacted(span) for span in spans])

    def shutdown(self) -> None:
        """Shut the exporter down."""
        self.exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        """Flush the exporter."""
        return self.exporter.force_flush(timeout_millis)


def _resource() -> Resource:
    """Return the service's resource: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, as set."""
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: SERVICE}))
    return resource


def _exporter(name: str, environ: Mapping[str, str]) -> SpanExporter:
    """Return the exporter `name`, or stop the start on one the service does not have."""
    if name == "console":
        # One line per span on stdout (the logs are on stderr).
        return ConsoleSpanExporter(formatter=lambda span: span.to_json(indent=None) + "\n")
    if name != "otlp":
        raise StartupError(
            f"OTEL_TRACES_EXPORTER names {name!r}: the service has {', '.join(EXPORTERS)} or none"
        )
    protocol = environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or environ.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", OTLP_PROTOCOL
    )
    if protocol.strip() != OTLP_PROTOCOL:
        raise StartupError(
            f"OTEL_EXPORTER_OTLP_PROTOCOL is {protocol!r}: the service exports OTLP over "
            f"{OTLP_PROTOCOL} only"
        )
    # Imported only when asked for: it brings an HTTP client with it.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    # Endpoint, headers, timeout, compression and certificates: the standard variables.
    return OTLPSpanExporter()


class Tracing:
    """The app's tracer provider and what its spans go to: started and shut down with the app.

    Spans are exported in batches from a thread of their own (OTEL_BSP_* size and time them):
    a request never waits on the collector, and one that cannot be reached drops spans, not
    requests. A span exporter given directly (the tests') gets each span as it ends.
    """

    def __init__(
        self, exporters: Sequence[str] | SpanExporter, environ: Mapping[str, str] = os.environ
    ) -> None:
        # Shut down with the app, not at exit: tests make many.
        self.provider = TracerProvider(resource=_resource(), shutdown_on_exit=False)
        self.tracer: Tracer = self.provider.get_tracer("backend.app")
        self._exporters = exporters
        self._environ = environ

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] = os.environ, *, exporter: SpanExporter | None = None
    ) -> Tracing | None:
        """Return the tracing the environment asks for (or `exporter`'s), else None."""
        if exporter is not None:
            return cls(exporter)
        names = requested_exporters(environ)
        return cls(names, environ) if names else None

    def _processors(self) -> list[SpanProcessor]:
        if isinstance(self._exporters, SpanExporter):
            return [SimpleSpanProcessor(Redacting(self._exporters))]
        return [
            BatchSpanProcessor(Redacting(_exporter(name, self._environ)))
            for name in self._exporters
        ]

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Export spans while the block runs; then flush what is left and stop."""
        for processor in self._processors():
            self.provider.add_span_processor(processor)
        try:
            yield
        finally:
            # The last spans are flushed from a thread of its own, waited for a few seconds at
            # most: a collector that does not answer must not hold the shutdown (Cloud Run
            # gives an instance 10 s after SIGTERM).
            flushing = threading.Thread(target=self.provider.shutdown, daemon=True)
            flushing.start()
            await asyncio.to_thread(flushing.join, FLUSH_SECONDS)


# FastAPI's own telemetry, which would otherwise follow a global provider or set one up from the
# environment, past the redaction: no metrics, no logs (they hold exceptions' text), and spans
# only from the service's provider.
_NO_FASTAPI_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "auto_configure": False,
}


def fastapi_telemetry(tracing: Tracing | None) -> TelemetryConfig:
    """Return FastAPI's telemetry settings: its request spans only with the service's tracing."""
    if tracing is None:
        return _NO_FASTAPI_TELEMETRY
    return {**_NO_FASTAPI_TELEMETRY, "tracing": True, "tracer_provider": tracing.provider}
