"""The root index, probes and console metadata: /, /health, /health/ready, /meta/filter-options."""

from __future__ import annotations

from fastapi import APIRouter, Response

from backend.app.analytics import meta
from backend.app.api.dependencies import DatabaseDep, ProductQueryDep
from backend.app.api.error_responses import FILTER_OPTIONS_RESPONSES, READINESS_RESPONSES
from backend.app.api.errors import detail_of, readiness_status_of
from backend.app.db.errors import DatabaseError, DatabasePermissionError
from backend.app.models.responses import FilterOptions, Health, Index, Readiness

router = APIRouter()


@router.get("/", response_model=Index, tags=["health"], summary="Index")
async def index() -> Index:
    """Name the API's documents and its liveness probe."""
    return Index(docs="/docs", redoc="/redoc", openapi="/openapi.json", health="/health")


@router.get("/health", response_model=Health, tags=["health"], summary="Liveness")
async def health() -> Health:
    """Report that the process is running, without touching the database."""
    return Health(status="ok")


@router.get(
    "/health/ready",
    response_model=Readiness,
    tags=["health"],
    summary="Readiness",
    responses=READINESS_RESPONSES,
)
async def ready(db: DatabaseDep, response: Response) -> Readiness:
    """Report whether the database answers and both tables have every expected column."""
    try:
        check = await meta.check_schema(db)
    except DatabaseError as error:
        response.status_code = 503
        return Readiness(status=readiness_status_of(error), detail=detail_of(error))
    if check.missing:
        response.status_code = 503
        detail = "The database lacks: " + ", ".join(check.missing)
        return Readiness(status="schema_mismatch", missing=check.missing, detail=detail)
    if check.unreadable:
        response.status_code = 503
        detail = (
            f"{DatabasePermissionError.default_detail} Not readable: {', '.join(check.unreadable)}"
        )
        return Readiness(status="permission_denied", unreadable=check.unreadable, detail=detail)
    # Missing indexes make the service slow, not wrong: ready, with a warning.
    return Readiness(status="ready", warnings=await meta.missing_indexes(db))


@router.get(
    "/meta/filter-options",
    response_model=FilterOptions,
    tags=["meta"],
    summary="Filter options",
    responses=FILTER_OPTIONS_RESPONSES,
)
async def filter_options(query: ProductQueryDep, db: DatabaseDep) -> FilterOptions:
    """List the environments present in one product's table and its first and last interaction."""
    return await meta.filter_options(db, query.product_context)
