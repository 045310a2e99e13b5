"""Security headers on every response, strict for the API's data and workable for the docs pages."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# On every response: no MIME sniffing (a CSV or JSON body is never run as a script or page), no
# framing by another site (clickjacking), and no Referer leaving with the console's URLs, which
# carry user ids in their query strings.
_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
# The API's answers are data, never documents: they may load nothing and be framed by nobody.
_DATA_POLICY = b"default-src 'none'; frame-ancestors 'none'"
# Swagger UI and ReDoc (served by the service itself) run their own scripts and styles: they are
# only kept out of frames.
_PAGE_POLICY = b"frame-ancestors 'none'"


class SecurityHeaders:
    """ASGI middleware: add the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, adding the headers to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next(
                    (value for name, value in headers if name.lower() == b"content-type"), b""
                )
                policy = _PAGE_POLICY if content_type.startswith(b"text/html") else _DATA_POLICY
                headers += [*_ALWAYS, (b"content-security-policy", policy)]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
