"""Request dependencies, exposed as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from backend.app.db.client import Database
from backend.app.models.filters import AnalyticsFilters


async def get_database(request: Request) -> Database:
    """Return the database the lifespan opened."""
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]
FiltersDep = Annotated[AnalyticsFilters, Query()]
