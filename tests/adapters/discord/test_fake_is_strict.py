"""The fake Discord answers a route it does not model with an error the test sees, never a made-up 204."""

from __future__ import annotations

import discord
import pytest
from discord.http import Route

from tests.adapters.discord.conftest import Running


async def test_an_unmodelled_route_is_an_error_and_is_recorded(steward: Running) -> None:
    client = steward.adapter.client
    with pytest.raises(discord.NotFound, match=r"does not model GET /guilds/\d+/audit-logs"):
        await client.http.request(Route("GET", "/guilds/{guild_id}/audit-logs", guild_id=steward.guild.id))
    assert steward.fake.unmodelled == [f"GET /guilds/{steward.guild.id}/audit-logs"]
    steward.fake.unmodelled.clear()  # seen on purpose; the fixture fails any test that leaves one behind
