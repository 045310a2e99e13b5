"""What a 422 says of a query parameter its endpoint does not take: what was likely meant."""

from __future__ import annotations

import difflib

from fastapi import Request
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute

from backend.app.api.analytics import CSV_PATHS

# The parameter that asks for CSV, which the overview alone of the analytics endpoints lacks.
FORMAT = "format"


def unknown_parameter(name: str, request: Request) -> str:
    """Return what a 422 says of `name`, a query parameter the request's endpoint does not take."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return "not a parameter of this endpoint"
    if name == FORMAT:
        return (
            f"{route.path} has no CSV; these endpoints answer {FORMAT}=csv: {', '.join(CSV_PATHS)}"
        )
    # The routes declare no path, header or cookie parameters: every flat one is a query's.
    taken = [parameter.alias for parameter in get_flat_params(route.dependant)]
    # A typo or a slip of case: the taken name closest to it, where one is close enough.
    likely = difflib.get_close_matches(name.lower(), taken, n=1)
    if likely:
        return f"not a parameter of this endpoint; did you mean `{likely[0]}`?"
    return f"not a parameter of this endpoint, which takes {', '.join(f'`{t}`' for t in taken)}"
