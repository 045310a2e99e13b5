"""Request dependencies, exposed as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from backend.app.analytics.clustering import PainPointClassifier
from backend.app.db.client import Database
from backend.app.models.filters import AnalyticsFilters


async def get_database(request: Request) -> Database:
    """Return the database the lifespan opened."""
    database: Database = request.app.state.database
    return database


async def get_classifier(request: Request) -> PainPointClassifier:
    """Return the pain-point classifier the lifespan built."""
    classifier: PainPointClassifier = request.app.state.classifier
    return classifier


DatabaseDep = Annotated[Database, Depends(get_database)]
ClassifierDep = Annotated[PainPointClassifier, Depends(get_classifier)]
FiltersDep = Annotated[AnalyticsFilters, Query()]
