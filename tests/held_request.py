"""A request held inside its route: the app answers it only when told, or never."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from backend.app.main import create_app
from tests.support.apps import make_settings

# GET /slow as a server hands it to the app.
SLOW_SCOPE = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/slow",
    "raw_path": b"/slow",
    "query_string": b"",
    "root_path": "",
    "headers": [(b"host", b"testserver")],
    "client": ("127.0.0.1", 1),
    "server": ("testserver", 80),
}


@dataclass(frozen=True)
class HeldRequest:
    """The request's task, what the server will still hand the app, and what the app sent."""

    task: asyncio.Task[None]
    messages: asyncio.Queue[dict[str, object]]
    sent: list[dict[str, object]]


async def held_request(database_url: str) -> HeldRequest:
    """Send GET /slow to a new app whose route never answers; return once it is in the route."""
    app = create_app(make_settings(database_url))
    waiting = asyncio.Event()

    async def slow() -> None:
        waiting.set()
        await asyncio.Event().wait()  # never answers on its own

    app.add_api_route("/slow", slow)
    messages: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    await messages.put({"type": "http.request", "body": b"", "more_body": False})
    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    task = asyncio.create_task(app(dict(SLOW_SCOPE), messages.get, send))  # type: ignore[arg-type]
    await asyncio.wait_for(waiting.wait(), timeout=10)
    return HeldRequest(task, messages, sent)
