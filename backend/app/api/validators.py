"""HTTP validators: a strong ETag of the bytes sent, and 304 when the client holds it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from fastapi import Request, Response

from backend.app.cache.answers import CachedAnswer
from backend.app.cache.encoding import GZIP_MIN_BYTES, GzipBodies, accepts_gzip


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
    gzip_bodies: GzipBodies,
) -> Response:
    """Return the answer with its validators, or a bodiless 304 when the client holds it.

    A body over 1 KB goes gzipped to a client that accepts it, with an ETag of its own (the
    validator names the bytes sent). If-None-Match holding the ETag of the body this request
    gets is a 304; so is the plain body's ETag on a request that gets gzip (identity is always
    acceptable), with the ETag the client holds. The gzip ETag on a request that refuses gzip is
    not: it names bytes the client did not ask for, so it gets the plain body, with its ETag.
    """
    tag = etag(answer.body)
    body, sent = answer.body, tag
    compressible = len(answer.body) > GZIP_MIN_BYTES

    if compressible and accepts_gzip(request.headers.get("accept-encoding")):
        body = gzip_bodies.compress(answer.body, key=tag)
        sent = etag(body)
    # Whether the body is compressed depends on Accept-Encoding, for every answer alike.
    vary = ", ".join(filter(None, (headers.get("Vary"), "Accept-Encoding")))
    validators = {
        **headers,
        "Vary": vary,
        "ETag": sent,
        "Cache-Control": f"private, max-age={answer.max_age(now)}",
    }
    held = request.headers.get("if-none-match")
    if held is not None:
        # The tag sent first: `*` (and a header naming both) gets the one it would be sent.
        matched = next((t for t in dict.fromkeys((sent, tag)) if none_match(held, t)), None)
        if matched is not None:
            # With the ETag the client holds, so that its stored answer keeps a true validator.
            return Response(status_code=304, headers={**validators, "ETag": matched})
    if body is not answer.body:
        validators["Content-Encoding"] = "gzip"
    return Response(body, media_type=media_type, headers=validators)
