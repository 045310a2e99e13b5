"""The /analytics endpoints: HTTP and validation only; the KPIs live in backend.app.analytics."""

from __future__ import annotations

from fastapi import APIRouter

from backend.app.analytics import clustering, engagement, kpis, retention
from backend.app.analytics.overview import overview as compute_overview
from backend.app.api.dependencies import ClassifierDep, DatabaseDep, FiltersDep
from backend.app.models.responses import (
    ERROR_RESPONSES,
    EngagementResponse,
    OverviewResponse,
    PainPointsResponse,
    QueryCategoriesResponse,
    RetentionResponse,
    ReturningUsersResponse,
    SegmentsResponse,
    SessionsResponse,
    ToolUsageResponse,
    VolumeResponse,
)

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=ERROR_RESPONSES)


@router.get("/overview", response_model=OverviewResponse, summary="Every KPI at once")
async def overview(
    filters: FiltersDep, db: DatabaseDep, classifier: ClassifierDep
) -> OverviewResponse:
    """Compute every KPI for the same filters concurrently; each section equals its endpoint."""
    return await compute_overview(db, filters, classifier)


@router.get("/sessions", response_model=SessionsResponse, summary="Session metrics")
async def sessions(filters: FiltersDep, db: DatabaseDep) -> SessionsResponse:
    """Count sessions, those with negative and positive feedback, and their mean duration."""
    metrics = await kpis.session_metrics(db, filters)
    return SessionsResponse(filters=filters, **dict(metrics))


@router.get("/pain-points", response_model=PainPointsResponse, summary="Pain-point clusters")
async def pain_points(
    filters: FiltersDep, db: DatabaseDep, classifier: ClassifierDep
) -> PainPointsResponse:
    """Classify every query in the window into the five pain-point clusters, with examples."""
    body = await clustering.pain_points(db, filters, classifier)
    return PainPointsResponse(filters=filters, **dict(body))


@router.get("/volume", response_model=VolumeResponse, summary="Volume trends")
async def volume(filters: FiltersDep, db: DatabaseDep) -> VolumeResponse:
    """Count sessions per UTC day of the window, zero-filled, with the mean, peak and lowest day."""
    trends = await kpis.volume_trends(db, filters)
    return VolumeResponse(filters=filters, **dict(trends))


@router.get("/engagement", response_model=EngagementResponse, summary="User engagement")
async def engagement_kpi(filters: FiltersDep, db: DatabaseDep) -> EngagementResponse:
    """Count unique users and all conversations, and the mean conversations per user."""
    body = await engagement.engagement(db, filters)
    return EngagementResponse(filters=filters, **dict(body))


@router.get("/retention", response_model=RetentionResponse, summary="User retention")
async def retention_kpi(filters: FiltersDep, db: DatabaseDep) -> RetentionResponse:
    """Count returning (2+ sessions) and one-time users and their shares of unique users."""
    body = await retention.retention(db, filters)
    return RetentionResponse(filters=filters, **dict(body))


@router.get(
    "/returning-users", response_model=ReturningUsersResponse, summary="Returning user behavior"
)
async def returning_users(filters: FiltersDep, db: DatabaseDep) -> ReturningUsersResponse:
    """Describe returning users: mean sessions, most active user, mean and longest span in days."""
    body = await retention.returning_users(db, filters)
    return ReturningUsersResponse(filters=filters, **dict(body))


@router.get("/segments", response_model=SegmentsResponse, summary="User segmentation")
async def segments(filters: FiltersDep, db: DatabaseDep) -> SegmentsResponse:
    """Count users per segment: power (10+ sessions), regular (3-9), casual (2), one-time (1)."""
    body = await engagement.segments(db, filters)
    return SegmentsResponse(filters=filters, **dict(body))


@router.get("/query-categories", response_model=QueryCategoriesResponse, summary="Query categories")
async def query_categories(filters: FiltersDep, db: DatabaseDep) -> QueryCategoriesResponse:
    """Count sessions by primary category, with each category's share of all sessions."""
    body = await kpis.query_categories(db, filters)
    return QueryCategoriesResponse(filters=filters, **dict(body))


@router.get("/tool-usage", response_model=ToolUsageResponse, summary="Agent tool usage")
async def tool_usage(filters: FiltersDep, db: DatabaseDep) -> ToolUsageResponse:
    """Count sessions by agent tool invoked, most used first, with each tool's share."""
    body = await kpis.tool_usage(db, filters)
    return ToolUsageResponse(filters=filters, **dict(body))
