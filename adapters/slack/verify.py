"""Slack request signatures, checked so that no malformed request can raise (401, never 500).

slack-sdk's ``SignatureVerifier.is_valid`` raises on a non-numeric timestamp, a non-ASCII
signature or a non-UTF-8 body; this wrapper checks the shape first and catches the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping

MAX_SKEW = 300  # seconds, as Slack documents
_TIMESTAMP = re.compile(r"\d{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def is_valid_request(secret: str, body: bytes, headers: Mapping[str, str], *,
                     now: Callable[[], float] = time.time) -> bool:
    """Whether ``body`` was signed by Slack with ``secret`` within the last five minutes."""
    try:
        timestamp = headers.get("X-Slack-Request-Timestamp") or headers.get("x-slack-request-timestamp") or ""
        signature = headers.get("X-Slack-Signature") or headers.get("x-slack-signature") or ""
        if not secret or not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            return False
        if abs(now() - int(timestamp)) > MAX_SKEW:
            return False
        body.decode("utf-8")  # Slack only sends UTF-8; anything else is not from Slack
        base = b"v0:" + timestamp.encode("ascii") + b":" + body
        expected = "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)
    except Exception:  # any surprise in hostile input is a refusal, not a server error
        return False
