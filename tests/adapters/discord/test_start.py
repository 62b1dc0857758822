"""Start-up: connect, publish commands once, self-check intents, guilds and permissions."""

from __future__ import annotations

from tests.adapters.discord.conftest import Running


async def test_starts_and_publishes_typed_slash_commands(steward: Running) -> None:
    [put] = steward.fake.find("PUT", rf"/applications/{steward.fake.app_id}/guilds/{steward.guild.id}/commands$")
    by_name = {c["name"]: c for c in put.json}
    warn = by_name["warn"]
    assert [(o["name"], o["type"], o["required"]) for o in warn["options"]] == [
        ("member", 6, True), ("reason", 3, False)]
    mute = by_name["mute"]
    assert mute["options"][1] == {**mute["options"][1], "type": 3, "autocomplete": True}
    assert "help" in by_name  # the core's own commands too
    identify = steward.fake.identifies[0]
    assert identify["intents"] & (1 << 15) and identify["intents"] & (1 << 1)  # message content + members

