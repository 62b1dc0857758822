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


async def test_scheduled_events_are_checked_as_discord_checks_them(steward: Running) -> None:
    http, guild = steward.adapter.client.http, steward.guild
    with pytest.raises(discord.HTTPException, match=r"entity_metadata\.location"):  # an external event needs a place
        await http.create_guild_scheduled_event(guild.id, name="x", privacy_level=2, entity_type=3,
                                                scheduled_start_time="2030-01-01T18:00:00+00:00",
                                                scheduled_end_time="2030-01-01T20:00:00+00:00")
    made = await http.create_guild_scheduled_event(guild.id, name="x", privacy_level=2, entity_type=3,
                                                   entity_metadata={"location": "Room 4"},
                                                   scheduled_start_time="2030-01-01T18:00:00+00:00",
                                                   scheduled_end_time="2030-01-01T20:00:00+00:00")
    await http.edit_scheduled_event(guild.id, int(made["id"]), status=4)
    with pytest.raises(discord.HTTPException, match="finished or canceled"):  # a cancelled event stays cancelled
        await http.edit_scheduled_event(guild.id, int(made["id"]), name="y")
    with pytest.raises(discord.NotFound, match="Unknown Guild Scheduled Event"):
        await http.edit_scheduled_event(guild.id, 1234, name="y")
