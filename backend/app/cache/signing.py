"""Values in a shared Redis tagged with an HMAC over their key and content (CACHE_SIGNING_KEY)."""

from __future__ import annotations

import hashlib
import hmac

TAG_BYTES = hashlib.sha256().digest_size


class Signer:
    """Puts an HMAC-SHA256 tag before a value, over its Redis key and content, and checks it.

    The key is in the tag: a value copied under another key fails as a forged one does.
    """

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _tag(self, name: str, content: bytes) -> bytes:
        key = name.encode()
        # The key's length first: where the key ends and the content begins is part of the tag.
        message = len(key).to_bytes(4, "big") + key + content
        return hmac.digest(self._secret, message, hashlib.sha256)

    def sign(self, name: str, content: bytes) -> bytes:
        """Return `content`, to be stored under the key `name`, with its tag before it."""
        return self._tag(name, content) + content

    def verify(self, name: str, value: bytes) -> bytes | None:
        """Return the content of a value read from the key `name`, or None when its tag fails."""
        tag, content = value[:TAG_BYTES], value[TAG_BYTES:]
        if len(tag) < TAG_BYTES or not hmac.compare_digest(tag, self._tag(name, content)):
            return None
        return content
