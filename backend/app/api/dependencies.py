"""Request dependencies, exposed as Annotated aliases."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from backend.app.analytics.pain_points.classifier import PainPointClassifier
from backend.app.api.representation import ExportFilters
from backend.app.cache.results import ResultCache
from backend.app.db.client import Database
from backend.app.models.filters import AnalyticsFilters, ProductQuery

FiltersT = TypeVar("FiltersT", bound=AnalyticsFilters)


async def get_database(request: Request) -> Database:
    """Return the database the lifespan opened."""
    database: Database = request.app.state.database
    return database


async def get_classifier(request: Request) -> PainPointClassifier:
    """Return the pain-point classifier the lifespan built."""
    classifier: PainPointClassifier = request.app.state.classifier
    return classifier


async def get_cache(request: Request) -> ResultCache:
    """Return the result cache the lifespan built."""
    cache: ResultCache = request.app.state.cache
    return cache


def _refuse_repeated(request: Request) -> None:
    """Refuse a query parameter given more than once, as a 422 naming it."""
    # Starlette would silently keep the last of `start_date=a&start_date=b`.
    repeated = sorted(
        {key for key in request.query_params if len(request.query_params.getlist(key)) > 1}
    )
    if repeated:
        raise RequestValidationError(
            [
                {"loc": ("query", key), "msg": "given more than once", "type": "value_error"}
                for key in repeated
            ]
        )


def _in_default_zone(request: Request, filters: FiltersT) -> FiltersT:
    """Return `filters` read in the request's `tz` or REPORT_TIMEZONE, refusing repeats."""
    _refuse_repeated(request)
    default_tz: str = request.app.state.settings.report_timezone
    if "tz" in request.query_params or default_tz == filters.tz:
        return filters
    # The dates' wall-clock reading depends on the zone: read them again in the default one.
    try:
        return type(filters).model_validate({**request.query_params, "tz": default_tz})
    except ValidationError as error:
        raise RequestValidationError(
            [{**detail, "loc": ("query", *detail["loc"])} for detail in error.errors()]
        ) from None


async def get_filters(
    request: Request, filters: Annotated[AnalyticsFilters, Query()]
) -> AnalyticsFilters:
    """Return the validated filters in the request's `tz` or REPORT_TIMEZONE."""
    return _in_default_zone(request, filters)


async def get_export_filters(
    request: Request, filters: Annotated[ExportFilters, Query()]
) -> ExportFilters:
    """Return the validated filters and `format` of an endpoint that also answers CSV."""
    return _in_default_zone(request, filters)


async def get_product_query(
    request: Request, query: Annotated[ProductQuery, Query()]
) -> ProductQuery:
    """Return the validated product context, refusing repeated and unknown parameters."""
    _refuse_repeated(request)
    return query


DatabaseDep = Annotated[Database, Depends(get_database)]
ClassifierDep = Annotated[PainPointClassifier, Depends(get_classifier)]
CacheDep = Annotated[ResultCache, Depends(get_cache)]
FiltersDep = Annotated[AnalyticsFilters, Depends(get_filters)]
ExportFiltersDep = Annotated[ExportFilters, Depends(get_export_filters)]
ProductQueryDep = Annotated[ProductQuery, Depends(get_product_query)]
