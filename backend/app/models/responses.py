"""Typed response bodies; field descriptions state each metric's definition for /docs."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from backend.app.models.filters import AnalyticsFilters, ProductContext

ROUNDING = "Rounded to 2 decimals; null when there is nothing to average."


class Body(BaseModel):
    """A response body: frozen once built."""

    model_config = ConfigDict(frozen=True)


class Filtered(Body):
    """A response that echoes the filters it was computed with."""

    filters: AnalyticsFilters = Field(
        description="The filters as applied; start_date and end_date as RFC 3339 date-times with "
        "the offset of `tz` at that instant (`Z` in UTC), naming the window's first and last "
        "instant."
    )


PERCENT = "Percent 0-100, rounded to 2 decimals; null when the whole is zero."


class FilterOptions(Body):
    """Values the console offers in its filter controls for one product context."""

    product_context: ProductContext
    environments: list[str] = Field(
        description="Distinct non-empty environment values present in the table, sorted."
    )
    first_interaction: dt.datetime | None = Field(
        description="Earliest time_stamp in the table (UTC); null when the table is empty."
    )
    last_interaction: dt.datetime | None = Field(
        description="Latest time_stamp in the table (UTC); null when the table is empty."
    )


class Index(Body):
    """Where to go from the service's root: the API's documents and its liveness probe."""

    docs: str = Field(description="Swagger UI: every endpoint, runnable from the browser.")
    redoc: str = Field(description="The same reference as ReDoc.")
    openapi: str = Field(description="The OpenAPI document.")
    health: str = Field(description="The liveness probe (`/health/ready` checks the database).")


class Health(Body):
    """Liveness: the process is running."""

    status: str = Field(examples=["ok"])


class Readiness(Body):
    """Readiness: the database answers and both tables have the expected columns."""

    status: str = Field(
        description="`ready`; or why not: `unavailable` (database unreachable or not answering), "
        "`authentication_failed`, `database_missing`, `tls_failed` (no TLS where sslmode asks "
        "for it, or a certificate not accepted), `permission_denied` (the role may not read "
        "a table or column the service needs) or `schema_mismatch` (one is missing).",
        examples=["ready"],
    )
    detail: str | None = Field(default=None, description="Why the service is not ready.")
    warnings: list[str] = Field(
        default_factory=list,
        description="Ready, but slower than it should be: the recommended indexes are missing.",
    )
    missing: list[str] = Field(
        default_factory=list,
        description="Tables or `table.column` names the service needs that the database lacks.",
    )
    unreadable: list[str] = Field(
        default_factory=list,
        description="`table.column` names the service needs that its role may not read.",
    )
