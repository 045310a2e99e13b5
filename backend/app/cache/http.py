"""HTTP validators: a strong ETag of the body, 304 on a match, and no-store on every error."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.app.cache.answers import CachedAnswer


def etag(body: bytes) -> str:
    """Return the strong ETag of `body`: the same tag always means the same bytes."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def none_match(header: str | None, tag: str) -> bool:
    """Return whether an If-None-Match header holds `tag` (weak comparison, as RFC 9110 says)."""
    if header is None:
        return False
    candidates = [candidate.strip() for candidate in header.split(",")]
    return "*" in candidates or tag in (candidate.removeprefix("W/") for candidate in candidates)


def answer_response(
    request: Request,
    answer: CachedAnswer,
    *,
    now: float,
    media_type: str,
    headers: Mapping[str, str],
) -> Response:
    """Return the answer with its validators, or a bodiless 304 when the client holds it."""
    tag = etag(answer.body)
    validators = {
        **headers,
        "ETag": tag,
        "Cache-Control": f"private, max-age={answer.max_age(now)}",
    }
    if none_match(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=validators)
    return Response(answer.body, media_type=media_type, headers=validators)


class NoStoreErrors:
    """ASGI middleware: every 4xx and 5xx carries Cache-Control: no-store."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, marking error responses as never to be stored."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"cache-control"
                ]
                message = {**message, "headers": [*headers, (b"cache-control", b"no-store")]}
            await send(message)

        await self.app(scope, receive, send_marked)
