"""The outbox through the real dispatcher: undeliverable effects reported once, kept across restarts,
expiry rules, and actions stored and read back exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.actions import ActionResult, BanMember, EditMessage, File, Reply, SendDirect, SendMessage
from bot.content import CommandMention, Content, Mention, Moment, UserText
from bot.outbox import outbox_table
from bot.outbox.codec import decode, encode
from bot.outbox.rules import DIRECT, MODLOG, channel_of, expiry
from bot.refs import ChannelRef, MessageRef, UserRef
from bot.runtime import Runtime
from bot.testing import Harness
from cogs.moderation import COG
from tests.cogs.moderation.conftest import CONFIG


def reports(actions: list) -> list[str]:  # type: ignore[type-arg]
    return [a.content.plain() for a in actions if isinstance(a, SendMessage) and a.channel.id == "mod-log"
            and a.content.plain().startswith("Steward could not deliver")]


async def test_an_undeliverable_dm_is_reported_in_the_mod_log_once(db_url: str) -> None:
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    try:
        h.adapter.refusals[SendDirect] = "that member does not accept direct messages"
        performed = await h.post("bob", "win at the casino")
        performed += await h.advance(seconds=5)
        performed += await h.advance(minutes=5)
        [report] = reports(performed)
        assert "1 thing" in report and "a DM to @bob" in report and "does not accept direct messages" in report
        assert "You were warned in acme" in report  # what was not delivered
        performed = await h.post("carol", "hello everyone") + await h.advance(minutes=10)
        assert reports(performed) == []  # told once, not again
        runtime = h.runtime
    finally:
        await h.close()
    # a restart does not tell it again either
    again = Runtime(runtime.config, cogs={"moderation": COG}, adapters=[h.adapter], clock=h.clock)
    await again.start()
    try:
        before = len(h.adapter.performed)
        await h.clock.advance(timedelta(minutes=1))
        await again.idle()
        assert reports(h.adapter.performed[before:]) == []
        async with again.db.session() as session:
            rows = (await session.execute(select(outbox_table.c.status, outbox_table.c.reported)
                                          .where(outbox_table.c.lane == DIRECT))).all()
        assert [(r.status, r.reported) for r in rows] == [("failed", 1)]
    finally:
        await again.stop()


async def test_a_dm_worth_sending_until_a_deadline_expires_and_is_reported(db_url: str) -> None:
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    try:
        user = h.add_member("dave")
        cog = h.runtime.cogs_of("acme")[1]
        h.runtime.effects.outbox.pacers["memory"].hold("dm:dave", 600)  # the platform said: wait 10 minutes
        async with h.runtime.db.session() as session, session.begin():
            await cog.ctx.effect(session, SendDirect(user=user, content=Content(("Starts in 10 minutes",))),
                                 key="reminder:1", deliver_by=h.clock.now() + timedelta(minutes=10))
        performed = await h.advance(minutes=11)
        assert not [a for a in performed if isinstance(a, SendDirect)], "a stale reminder is not sent"
        [report] = reports(performed)
        assert "no longer worth sending" in report and "Starts in 10 minutes" in report
    finally:
        await h.close()


LANE_ACTIONS = {
    "answer": lambda h, bob: Reply(origin=h.origin("bob"), content=Content(("Your appeal is in",))),
    "sanction": lambda h, bob: BanMember(scope=h.adapter.scope, user=bob, reason="spam"),
    "modlog": lambda h, bob: SendMessage(channel=ChannelRef("memory", "mod-log"), content=Content(("Case #9 ended",))),
    "post": lambda h, bob: SendMessage(channel=ChannelRef("memory", "events"), content=Content(("Meetup at 6",))),
    "direct": lambda h, bob: SendDirect(user=bob, content=Content(("Starts in 10 minutes",))),
}


@pytest.mark.parametrize("lane", list(LANE_ACTIONS))
async def test_what_a_lane_could_not_deliver_is_reported_in_the_mod_log(db_url: str, lane: str) -> None:
    """Every lane: an entry held past its deadline (the platform kept saying wait) is reported once."""
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    try:
        bob = h.add_member("bob")
        cog = h.runtime.cogs_of("acme")[1]
        action = LANE_ACTIONS[lane](h, bob)
        outbox = h.runtime.effects.outbox
        outbox.pacers["memory"].hold(channel_of(action), 600)  # the platform said: wait 10 minutes
        async with h.runtime.db.session() as session, session.begin():
            await cog.ctx.effect(session, action, key=f"lane:{lane}", deliver_by=h.clock.now() + timedelta(minutes=5))
        performed = await h.advance(minutes=11) + await h.advance(minutes=5)
        assert not [a for a in performed if type(a) is type(action) and a == action], "not sent after its deadline"
        [report] = reports(performed)
        assert "1 thing" in report and "no longer worth sending" in report, report
        async with h.runtime.db.session() as session:
            [row] = (await session.execute(select(outbox_table).where(outbox_table.c.key == f"acme:lane:{lane}"))).all()
        assert (row.lane, row.status, row.reported) == (lane, "expired", 1)
    finally:
        await h.close()


async def test_of_several_edits_of_one_message_waiting_only_the_latest_goes_even_after_a_restart(
        db_url: str) -> None:
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    card, other = MessageRef("memory", "general", "m1"), MessageRef("memory", "general", "m2")
    for ref in (card, other):
        h.adapter.messages[ref] = h.adapter.bot_user.id  # Steward's own messages

    def edit(ref: MessageRef, n: int) -> EditMessage:
        return EditMessage(message=ref, content=Content((f"tally {n}",)))

    try:
        cog = h.runtime.cogs_of("acme")[1]
        h.runtime.effects.outbox.pacers["memory"].hold("ch:general", 60)  # the channel must wait a minute
        for n, ref in ((1, card), (2, card), (3, other), (4, card)):  # each in its own transaction
            async with h.runtime.db.session() as session, session.begin():
                await cog.ctx.effect(session, edit(ref, n), key=f"edit:{n}")
        await h.runtime.idle()
        assert not [a for a in h.adapter.performed if isinstance(a, EditMessage)]
        runtime = h.runtime
    finally:
        await h.close()  # a stop while they wait: every entry is in the database
    again = Runtime(runtime.config, cogs={"moderation": COG}, adapters=[h.adapter], clock=h.clock)
    before = len(h.adapter.performed)
    await again.start()  # the new sender has no hold: what was waiting goes, coalesced as it is read back
    try:
        await h.clock.advance(timedelta(minutes=2))
        await again.idle()
        sent = [a for a in h.adapter.performed[before:] if isinstance(a, EditMessage)]
        assert sorted(a.content.plain() for a in sent) == ["tally 3", "tally 4"]  # the other message keeps its own
        assert reports(h.adapter.performed[before:]) == []  # a replaced edit is not a loss
        async with again.db.session() as session:
            rows = dict((await session.execute(select(outbox_table.c.key, outbox_table.c.status)
                                               .where(outbox_table.c.key.like("acme:edit:%")))).all())
        assert rows == {"acme:edit:1": "replaced", "acme:edit:2": "replaced", "acme:edit:3": "done",
                        "acme:edit:4": "done"}
    finally:
        await again.stop()


def test_expiry_rules() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert expiry(MODLOG, now) == now + timedelta(hours=24)  # a mod-log line is still the record a day late
    assert expiry(MODLOG, now, now + timedelta(minutes=10)) == now + timedelta(minutes=10)


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text(min_size=1, max_size=30), st.booleans())
def test_actions_read_back_exactly(body: str, name: str, dm: bool) -> None:
    content = Content(("Trusted: ", UserText(body), " ", Mention(UserRef("discord", "123"), name)),
                      ping=(UserRef("discord", "123"),))
    action = (SendDirect(user=UserRef("slack", "U1"), content=content, scope="T1") if dm else
              SendMessage(channel=ChannelRef("slack", "C1"), content=content, reason=name))
    assert decode(encode(action)) == action


ZONES = st.sampled_from([None, "UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kathmandu"])


@settings(max_examples=200, deadline=None)
@given(st.datetimes(timezones=st.just(UTC)), ZONES, st.binary(max_size=200), st.text(), st.booleans())
def test_moments_files_threads_and_command_mentions_read_back_exactly(at: datetime, tz: str | None, data: bytes,
                                                                      label: str, threaded: bool) -> None:
    """What the gate hands the outbox since the core-contracts work: a Moment in its reader's zone, a file,
    a thread, a command mention."""
    content = Content(("At ", Moment(at, "R", ZoneInfo(tz) if tz else None), ", try ", CommandMention("appeal", "3"),
                       " ", UserText(label)))
    action = SendMessage(channel=ChannelRef("discord", "1"), content=content, files=(File(label or "f", data),),
                         thread=MessageRef("discord", "1", "2") if threaded else None)
    assert decode(encode(action)) == action


STAFF_CONFIG = CONFIG.replace('channels: {modlog: "#mod-log",', 'channels: {modlog: "#mod-log", staff: "#staff",', 1)


def staff_posts(actions: list) -> list[str]:  # type: ignore[type-arg]
    return [a.content.plain() for a in actions if isinstance(a, SendMessage) and a.channel.id == "staff"]


async def test_a_mod_log_that_fails_for_good_is_reported_once_in_the_staff_channel(db_url: str) -> None:
    """Steward lost access to the mod log: what it could not post there (the case, and the report of it)
    reaches the staff channel, once, summarised, instead of only the log file."""
    assert STAFF_CONFIG != CONFIG
    h = await Harness.start(STAFF_CONFIG, db_url=db_url, cogs={"moderation": COG})
    perform = h.adapter.perform

    async def no_mod_log(action):  # type: ignore[no-untyped-def]
        if isinstance(action, SendMessage) and action.channel.id == "mod-log":
            h.adapter.performed.append(action)
            return ActionResult.failure(action, "Missing Access", "forbidden")
        return await perform(action)
    h.adapter.perform = no_mod_log  # type: ignore[method-assign]
    try:
        performed = await h.post("bob", "win at the casino")
        performed += await h.advance(seconds=5) + await h.advance(minutes=5)
        [notice] = staff_posts(performed)
        assert notice.startswith("This report is for the mod log, which could not take it (Missing Access)")
        assert "Steward could not deliver 1 thing" in notice and "a post in #mod-log" in notice
        assert "Case #1 · warn" in notice  # what the mod log missed
        performed = await h.advance(minutes=10)
        assert staff_posts(performed) == []  # once
    finally:
        await h.close()


async def test_without_a_mod_log_the_report_goes_to_the_staff_channel(db_url: str) -> None:
    config = STAFF_CONFIG.replace('modlog: "#mod-log", ', "", 1)
    h = await Harness.start(config, db_url=db_url, cogs={"moderation": COG})
    try:
        h.adapter.refusals[SendDirect] = "that member does not accept direct messages"
        performed = await h.post("bob", "win at the casino")
        performed += await h.advance(seconds=5) + await h.advance(minutes=5)
        [notice] = staff_posts(performed)
        assert "there is no mod log on memory" in notice and "a DM to @bob" in notice
    finally:
        await h.close()
