"""Join sources on Discord: `/invite create` makes a real invite, and a join is credited to the one
invite whose use count went up (the real discord.py against the strict fake). Without Manage Server
Discord lists no invites: Steward makes no call and falls back to the onboarding answer."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.refs import ChannelRef
from cogs.analytics import COG as Analytics
from tests.adapters.discord.conftest import STEWARD_PERMS, build_world, catalog_with, start_steward, write_config
from tests.adapters.discord.fake_discord import FakeDiscord


async def test_a_campaign_invite_credits_the_join(fake: FakeDiscord, tmp_path: Path) -> None:
    world = build_world(fake, steward_perms=(*STEWARD_PERMS, "manage_guild", "create_instant_invite"))
    path = write_config(tmp_path, world.guild, channels=', welcome: "#welcome"', section="analytics")
    path.write_text(path.read_text().replace("analytics: {banned: [badword]}",
                                             'analytics: {invite_channel: "#welcome", report: null}'))
    runtime = await start_steward(path, catalog_with(Analytics))
    try:
        assert fake.find("GET", rf"/guilds/{world.guild.id}/invites$")  # the baseline, taken at start
        invoked = await fake.slash(world.guild, "general", "mo", "invite",
                                   [{"name": "action", "type": 3, "value": "create"},
                                    {"name": "name", "type": 3, "value": "spring"}])
        [callback] = await fake.wait_for("POST", rf"/interactions/{invoked['id']}/[^/]+/callback$")
        [made] = fake.find("POST", rf"/channels/{world.guild.channels['welcome'].id}/invites$")
        assert made.json["max_age"] == 0 and made.json["unique"] is True
        [code] = fake.invites[world.guild.id]
        assert f"discord: https://discord.gg/{code} — joins through it count for spring." in \
            callback.json["data"]["content"]
        fake.invite_used(world.guild, code)
        await fake.member_join(world.guild, "newbie")
        cog = next(c for c in runtime.cogs_of("acme") if isinstance(c, Analytics))

        async def credited() -> bool:
            return [(s.source, s.joins) for s in (await cog.kpis(1)).sources] == [("spring", 1)]

        for _ in range(100):
            if await credited():
                break
            await asyncio.sleep(0.05)
        assert await credited()
    finally:
        await runtime.stop()


async def test_without_manage_server_no_invite_is_listed_or_made(fake: FakeDiscord, tmp_path: Path) -> None:
    world = build_world(fake)  # Steward's usual permissions: no Manage Server, no Create Invite
    runtime = await start_steward(write_config(tmp_path, world.guild))
    try:
        adapter = runtime.adapters["discord"]
        scope = str(world.guild.id)
        assert await adapter.invite_uses(scope) is None
        welcome = ChannelRef("discord", str(world.guild.channels["welcome"].id))
        assert await adapter.create_invite(scope, welcome) is None
        assert not fake.find("GET", r"/invites$") and not fake.find("POST", r"/invites$")
    finally:
        await runtime.stop()
