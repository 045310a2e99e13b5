"""HEAD on every GET route: the GET answer's status and headers, without its body (RFC 9110)."""

from __future__ import annotations

from starlette.types import Message, Receive, Scope, Send

from backend.app.asgi import Headers, Middleware

_GET_HEAD = (b"GET", b"HEAD")


def allowing_head(headers: Headers) -> Headers:
    """Return a 405's headers with `Allow: GET, HEAD` wherever GET is (HEAD is answered as GET).

    The same words on every route: Starlette's own routes (/openapi.json) list HEAD already, in
    no fixed order.
    """
    rewritten = []
    for name, value in headers:
        if name.lower() == b"allow":
            methods = [method.strip() for method in value.split(b",") if method.strip()]
            if b"GET" in methods:
                value = b", ".join([b"GET", b"HEAD", *(m for m in methods if m not in _GET_HEAD)])
        rewritten.append((name, value))
    return rewritten


class HeadAsGet(Middleware):
    """ASGI middleware: a HEAD request runs as the GET of the same URL; its body is dropped.

    Everything below sees a GET: the route, the cache (whose key has no method, so a HEAD is
    served from, and shares the computation of, the GET's answer), the validators (a 304 for a
    matching If-None-Match), the errors. The answer keeps every header of the GET's, its
    Content-Length included (RFC 9110, 9.3.2 and 8.6). The request log, outside, logs the HEAD.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run a HEAD as a GET without its body; give each 405's `Allow` its HEAD."""
        head = scope["method"] == "HEAD"

        async def send_head(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                message = {**message, "headers": allowing_head(list(message.get("headers", [])))}
            elif head and message["type"] == "http.response.body" and message.get("body"):
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"} if head else scope, receive, send_head)
