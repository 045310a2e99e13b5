"""Headers on every response: security headers (strict for data), no-store on errors."""

from __future__ import annotations

from backend.app.asgi import Headers, ResponseHeaders

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


class SecurityHeaders(ResponseHeaders):
    """ASGI middleware: add the headers above to every HTTP response."""

    def rewrite(self, status: int, headers: Headers) -> Headers:
        """Return `headers` with the security headers for the response's content type."""
        content_type = next(
            (value for name, value in headers if name.lower() == b"content-type"), b""
        )
        policy = _PAGE_POLICY if content_type.startswith(b"text/html") else _DATA_POLICY
        return [*headers, *_ALWAYS, (b"content-security-policy", policy)]


class NoStoreErrors(ResponseHeaders):
    """ASGI middleware: every 4xx and 5xx carries Cache-Control: no-store."""

    def rewrite(self, status: int, headers: Headers) -> Headers:
        """Return `headers`, with Cache-Control: no-store instead of any other on an error."""
        if status < 400:
            return headers
        kept = [(name, value) for name, value in headers if name.lower() != b"cache-control"]
        return [*kept, (b"cache-control", b"no-store")]
