"""Webhook signing, verification, back-off and the admin notices."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from cogs.feedback.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Backoff,
    EndpointHealth,
    after_delivery,
    encode_body,
    signature,
    signed_headers,
    verify,
)

SECRET = b"s3cret"
BODY = b'{"event":"feedback.created","item":12}'


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET, b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, 1700000000, BODY) == "sha256=" + expected
    headers = signed_headers(SECRET, 1700000000, BODY)
    assert headers[TIMESTAMP_HEADER] == "1700000000" and headers["Content-Type"] == "application/json"
    assert verify(SECRET, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER], BODY, now=1700000010)


def test_the_body_is_compact_sorted_utf8_json() -> None:
    at = datetime(2026, 3, 2, 12, tzinfo=UTC)
    body = encode_body("feedback.created", "d-1", at, {"title": "Mode sombre ☾", "number": 12})
    assert body == ('{"at":"2026-03-02T12:00:00+00:00","data":{"number":12,"title":"Mode sombre ☾"},'
                    '"event":"feedback.created","id":"d-1"}').encode()
    assert json.loads(body)["data"]["number"] == 12


@given(st.text(max_size=200))
def test_any_title_encodes_to_valid_json(title: str) -> None:
    body = encode_body("feedback.created", "d", datetime(2026, 1, 1, tzinfo=UTC), {"title": title})
    assert json.loads(body)["event"] == "feedback.created"


def test_verify_refuses_tampering_replays_and_wrong_secrets() -> None:
    sig = signature(SECRET, 1700000000, BODY)
    assert not verify(SECRET, "1700000000", sig, BODY + b" ", now=1700000000)
    assert not verify(SECRET, "1700000001", sig, BODY, now=1700000000)
    assert not verify(b"other", "1700000000", sig, BODY, now=1700000000)
    assert not verify(SECRET, "1700000000", sig, BODY, now=1700000000 + 301)
    assert not verify(SECRET, None, sig, BODY, now=1700000000)
    assert not verify(SECRET, "1700000000", None, BODY, now=1700000000)
    assert not verify(SECRET, "17e8", sig, BODY, now=1700000000)
    assert not verify(SECRET, "1700000000", "sha256=é", BODY, now=1700000000)


@given(st.binary(max_size=64), st.integers(0, 2**40), st.binary(max_size=512))
def test_every_signed_request_verifies(secret: bytes, ts: int, body: bytes) -> None:
    assert verify(secret, str(ts), signature(secret, ts, body), body, now=ts)


@given(st.one_of(st.none(), st.text(max_size=30)), st.one_of(st.none(), st.text(max_size=80)), st.binary(max_size=64))
def test_malformed_headers_are_false_never_an_error(ts: str | None, sig: str | None, body: bytes) -> None:
    assert verify(SECRET, ts, sig, body, now=1700000000) in (True, False)


def test_backoff_doubles_up_to_the_cap_and_jitter_stays_in_the_upper_half() -> None:
    backoff = Backoff(base_s=30, factor=2, cap_s=3600)
    assert backoff.schedule(9) == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert backoff.ceiling(0) == 0.0 and backoff.ceiling(10_000) == 3600
    assert backoff.delay(3, 0.0) == 60 and backoff.delay(3, 1.0) == 120 and backoff.delay(3, 7.0) == 120


@given(st.integers(-5, 10_000), st.floats(allow_nan=False))
def test_backoff_is_never_negative_nor_past_the_cap(attempt: int, jitter: float) -> None:
    delay = Backoff().delay(attempt, jitter)
    assert 0.0 <= delay <= Backoff().cap_s


def test_the_admin_is_told_once_when_down_and_once_when_back() -> None:
    health = EndpointHealth()
    notices = []
    for ok in [False, False, False, False, False, True, True, False]:
        change = after_delivery(health, ok, alert_after=3)
        health = change.health
        notices.append(change.notice)
    assert notices == [None, None, "down", None, None, "recovered", None, None]


@given(st.lists(st.booleans(), max_size=60))
def test_notices_alternate_down_then_recovered(results: list[bool]) -> None:
    health = EndpointHealth()
    said = []
    for ok in results:
        change = after_delivery(health, ok)
        health = change.health
        if change.notice:
            said.append(change.notice)
    assert said == ["down", "recovered"] * (len(said) // 2) + ["down"] * (len(said) % 2)
