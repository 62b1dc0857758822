"""The fake Slack answers a method it does not model with unknown_method, never a made-up ok."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from tests.adapters.slack.conftest import StartSteward


async def test_an_unmodelled_method_is_an_error_and_is_recorded(start_steward: StartSteward) -> None:
    steward = await start_steward()
    with pytest.raises(SlackApiError, match="unknown_method"):
        await steward.adapter.client.api_call("pins.add", json={"channel": "C0GENERAL", "timestamp": "1.2"})
    assert steward.fake.unmodelled == ["pins.add"]
    steward.fake.unmodelled.clear()  # seen on purpose; the fixture fails any test that leaves one behind
