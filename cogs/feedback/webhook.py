"""The outgoing webhook's pure part: the HMAC-SHA256 signature, its verifier, the retry schedule.

The signed message is ``"<unix seconds>." + body`` (the timestamp is signed so a captured request
cannot be replayed later); the signature header is ``sha256=<hex>``. Receivers verify with
:func:`verify` (constant-time, a tolerance window, never raises on malformed headers).
Retries back off exponentially with full jitter and a cap, and never give up: items wait in the
outbox until the endpoint is back, and :class:`EndpointHealth` decides when the admin is told
(once when the endpoint starts failing, once when it recovers) rather than once per item.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

SIGNATURE_HEADER = "X-Steward-Signature"
TIMESTAMP_HEADER = "X-Steward-Timestamp"
TOLERANCE_S = 300
_PREFIX = "sha256="


def encode_body(event: str, delivery_id: str, at: datetime, data: Mapping[str, object]) -> bytes:
    """The JSON body of one delivery: compact, keys sorted, UTF-8 (the bytes that are signed).

    ``data`` is what the product tool may see: the cog leaves the author out of anonymous items.
    """
    body = {"event": event, "id": delivery_id, "at": at.isoformat(), "data": dict(data)}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8", "replace")


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The header value ``sha256=<hex>`` of HMAC-SHA256 over ``b"<timestamp>." + body``."""
    digest = hmac.new(secret, str(int(timestamp)).encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def signed_headers(secret: bytes, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of one delivery: JSON content type, timestamp and signature."""
    return {"Content-Type": "application/json", TIMESTAMP_HEADER: str(int(timestamp)),
            SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(secret: bytes, timestamp_header: str | None, signature_header: str | None, body: bytes, now: float,
           tolerance_s: int = TOLERANCE_S) -> bool:
    """True when the signature matches and the timestamp is within ``tolerance_s`` of ``now``.

    Any malformed header (missing, not a number, not ASCII, wrong prefix) is simply False.
    """
    if not timestamp_header or not signature_header:
        return False
    text = timestamp_header.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 15:  # seconds, not a megabyte of digits
        return False
    timestamp = int(text)
    if abs(now - timestamp) > tolerance_s:
        return False
    if not signature_header.isascii():
        return False
    return hmac.compare_digest(signature(secret, timestamp, body).encode("ascii"), signature_header.encode("ascii"))


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential back-off: ``base_s * factor**(attempt-1)`` capped at ``cap_s``, with full jitter."""

    base_s: float = 30.0
    factor: float = 2.0
    cap_s: float = 6 * 3600.0

    def ceiling(self, attempt: int) -> float:
        """The longest wait before retry number ``attempt`` (1 = the first retry)."""
        if attempt < 1:
            return 0.0
        exponent = min(attempt - 1, 64)  # past the cap already; keeps the power finite
        return float(min(self.cap_s, self.base_s * self.factor**exponent))

    def delay(self, attempt: int, jitter: float) -> float:
        """The wait before retry ``attempt``; ``jitter`` in [0, 1] spreads retries of many items.

        Full jitter, but never under half the ceiling, so a down endpoint is not hammered.
        """
        unit = min(max(jitter, 0.0), 1.0)
        ceiling = self.ceiling(attempt)
        return ceiling / 2 + unit * ceiling / 2

    def schedule(self, attempts: int) -> list[float]:
        """The ceilings of the first ``attempts`` retries (for docs and the admin's view)."""
        return [self.ceiling(n) for n in range(1, attempts + 1)]


@dataclass(frozen=True, slots=True)
class EndpointHealth:
    """Consecutive failures of one endpoint and whether the admin has been told."""

    failures: int = 0
    alerted: bool = False


@dataclass(frozen=True, slots=True)
class HealthChange:
    """The endpoint's next state and what to tell the admin (None: nothing)."""

    health: EndpointHealth
    notice: str | None


def after_delivery(health: EndpointHealth, ok: bool, alert_after: int = 3) -> HealthChange:
    """Fold one delivery result in: one notice when failures reach ``alert_after``, one on recovery."""
    if ok:
        notice = "recovered" if health.alerted else None
        return HealthChange(EndpointHealth(), notice)
    failed = replace(health, failures=health.failures + 1)
    if not health.alerted and failed.failures >= alert_after:
        return HealthChange(replace(failed, alerted=True), "down")
    return HealthChange(failed, None)
