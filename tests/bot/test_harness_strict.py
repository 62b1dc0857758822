"""The test world is strict: non-actions are bugs, unknown messages and members are refused, and
the harness runs several platforms and communities at once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.actions import Action, AddRole, BanMember, DeleteMessage, EditMessage, KickMember, SendMessage, TimeoutMember
from bot.cog import Cog, command, on
from bot.content import text
from bot.events import CommandInvoked, MessagePosted
from bot.refs import ChannelRef, MessageRef, RoleRef, UserRef
from bot.testing import Harness, texts


class Sloppy(Cog):
    name = "sloppy"

    @on(MessagePosted)
    async def returns_text(self, event: MessagePosted) -> object:
        return "deleted it" if event.text == "text" else [DeleteMessage(message=event.message), "and a string"]

    @command("where", "Say where this is.")
    async def where(self, event: CommandInvoked) -> Action:
        return SendMessage(channel=ChannelRef(event.platform, "general"),
                           content=text(f"{self.ctx.community.name} on {event.platform}"))


TWO = """
communities:
  - name: acme
    roles: {moderator: [Moderators]}
    channels: {general: "#general"}
    sloppy: {}
  - name: beta
    channels: {general: "#general"}
    sloppy: {}
"""


async def test_a_handler_returning_a_non_action_is_a_type_error(db_url: str,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    h = await Harness.start(TWO, db_url=db_url, cogs={"sloppy": Sloppy})
    try:
        with caplog.at_level(logging.ERROR, logger="bot.dispatcher"):
            assert await h.post("alice", "text") == []
            assert await h.post("alice", "list") == []  # nothing of a half-wrong answer is performed
        errors = [r for r in caplog.records if r.exc_info and r.exc_info[0] is TypeError]
        assert [str(r.exc_info[1]) for r in errors if r.exc_info] == [
            "sloppy.returns_text returned 'deleted it'; a handler returns an action, a list of actions or None",
            "sloppy.returns_text returned 'and a string' among its actions; handlers return actions only"]
    finally:
        await h.close()


async def test_memory_platform_refuses_what_does_not_exist(db_url: str) -> None:
    h = await Harness.start(TWO, db_url=db_url, cogs={"sloppy": Sloppy})
    try:
        h.add_member("bob")
        ghost, bob = UserRef("memory", "ghost"), h.user("bob")
        gate = h.runtime.gate
        results = [await gate.perform(a, None) for a in (
            DeleteMessage(message=MessageRef("memory", "general", "never-posted")),
            EditMessage(message=MessageRef("memory", "general", "never-posted"), content=text("x")),
            TimeoutMember(scope="acme", user=ghost, until=h.clock.now() + timedelta(minutes=5)),
            KickMember(scope="acme", user=ghost), BanMember(scope="acme", user=ghost),
            AddRole(scope="acme", user=bob, role=RoleRef("memory", "NoSuchRole")),
            KickMember(scope="beta", user=bob))]  # bob is a member of acme only
        assert [(r.ok, r.code) for r in results] == [(False, "not_found")] * 7
        assert (await gate.perform(AddRole(scope="acme", user=bob, role=RoleRef("memory", "Moderators")), None)).ok
    finally:
        await h.close()


async def test_two_platforms_and_two_communities_at_once(db_url: str) -> None:
    h = await Harness.start(TWO, db_url=db_url, cogs={"sloppy": Sloppy}, platforms=("memory", "chat"))
    try:
        answers = [texts(await h.command("alice", "/where", platform=p, community=c))
                   for p in ("memory", "chat") for c in ("acme", "beta")]
        assert answers == [["acme on memory"], ["beta on memory"], ["acme on chat"], ["beta on chat"]]
        sent = await h.command("alice", "/where", platform="chat", community="beta")
        assert [a.platform for a in sent] == ["chat"]
        assert h.runtime.communities["beta"].scopes == {"memory": "beta", "chat": "beta"}
    finally:
        await h.close()


async def test_a_private_reply_a_platform_cant_show_is_sent_by_dm_by_the_cores_policy(db_url: str) -> None:
    from bot.actions import ActionResult, Reply, SendDirect
    from bot.policies import EPHEMERAL_UNAVAILABLE

    h = await Harness.start(TWO, db_url=db_url, cogs={"sloppy": Sloppy})
    try:
        async def no_private_replies(action: Reply) -> ActionResult:
            return ActionResult.failure(action, "this platform lost the interaction", EPHEMERAL_UNAVAILABLE)
        h.adapter.table.add(Reply, no_private_replies)
        reply = Reply(origin=h.origin("alice"), content=text("just for alice"))
        result = await h.runtime.gate.perform(reply, h.runtime.communities["acme"])
        assert result.ok and result.action is reply
        [dm] = [a for a in h.performed if isinstance(a, SendDirect)]
        assert (dm.user, dm.content, dm.scope) == (h.user("alice"), reply.content, "acme")
        public = Reply(origin=h.origin("alice"), content=text("for everyone"), ephemeral=False)
        assert (await h.runtime.gate.perform(public, None)).code == EPHEMERAL_UNAVAILABLE  # no DM for these
    finally:
        await h.close()
