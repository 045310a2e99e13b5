"""The one shape of the service's ASGI middleware: act on one kind of scope, pass the rest on."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TypeAlias

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Headers: TypeAlias = list[tuple[bytes, bytes]]
# The status nginx logs for a client that closed the connection before it got its answer.
CLIENT_CLOSED_REQUEST = 499


class Middleware(ABC):
    """ASGI middleware that handles scopes of `scope_type` and passes every other one on as is."""

    scope_type = "http"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle a scope of this middleware's kind; pass any other on unchanged."""
        if scope["type"] != self.scope_type:
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    @abstractmethod
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app for one scope of this middleware's kind."""


class ResponseHeaders(Middleware):
    """HTTP middleware that rewrites the headers of every response as it starts."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, rewriting its response's headers."""

        async def send_rewritten(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = self.rewrite(message["status"], list(message.get("headers", [])))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_rewritten)

    @abstractmethod
    def rewrite(self, status: int, headers: Headers) -> Headers:
        """Return the headers a response of `status` is sent with instead of `headers`."""
