"""The /analytics endpoints: HTTP and validation only; the KPIs live in backend.app.analytics."""

from __future__ import annotations

from fastapi import APIRouter

from backend.app.analytics import kpis
from backend.app.api.dependencies import DatabaseDep, FiltersDep
from backend.app.models.responses import SessionsResponse, VolumeResponse

router = APIRouter(prefix="/analytics", tags=["analytics"])


@router.get("/sessions", response_model=SessionsResponse, summary="Session metrics")
async def sessions(filters: FiltersDep, db: DatabaseDep) -> SessionsResponse:
    """Count sessions, those with negative and positive feedback, and their mean duration."""
    metrics = await kpis.session_metrics(db, filters)
    return SessionsResponse(filters=filters, **dict(metrics))


@router.get("/volume", response_model=VolumeResponse, summary="Volume trends")
async def volume(filters: FiltersDep, db: DatabaseDep) -> VolumeResponse:
    """Count sessions per UTC day of the window, zero-filled, with the mean, peak and lowest day."""
    trends = await kpis.volume_trends(db, filters)
    return VolumeResponse(filters=filters, **dict(trends))
