"""What a new moderator meets: typos refused, never oneself, only cases of things that happened."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.actions import (
    BanMember,
    EditMessage,
    KickMember,
    OpenForm,
    RemoveTimeout,
    SetSlowmode,
    TimeoutMember,
    UnbanMember,
)
from bot.testing import Harness, texts
from cogs.moderation.commands_members import _checked_duration
from tests.cogs.moderation.test_cog import buttons, modlog, of


async def no_case_was_filed(h: Harness) -> bool:
    return texts(await h.command("boss", "/case 1")) == ["No case #1."]


@pytest.mark.parametrize("line", ["/ban bob 7x typo", "/ban bob 0d", "/ban bob -3d spam", "/ban bob @alice",
                                  "/ban bob 7dd spam"])
async def test_a_mistyped_ban_duration_is_an_error_not_a_permanent_ban(h: Harness, line: str) -> None:
    h.add_member("bob")
    h.add_member("alice")
    answer = await h.command("mo", line)
    assert of(answer, BanMember) == []
    assert texts(answer)[0].startswith("/ban: ")
    assert await no_case_was_filed(h)


async def test_a_ban_with_duration_or_permanent_still_works(h: Harness) -> None:
    h.add_member("bob")
    h.add_member("carl")
    assert "Case #1: ban bob for 1w." in texts(await h.command("mo", "/ban bob 7d spamming"))
    answer = await h.command("mo", "/ban carl permanent spam bot")
    assert len(of(answer, BanMember)) == 1 and "Case #2: ban carl." in texts(answer)
    assert "Reason: spam bot" in texts(await h.command("mo", "/case 2"))[0]


@pytest.mark.parametrize(("points", "why"), [
    ("-3", "points must be at least 1."), ("0", "points must be at least 1."),
    ("101", "points must be at most 100."),  # whole numbers: the signature's range, checked by the core
    ("2.5", "points are a whole number from 1 to 100, not `2.5`."),  # not a whole number: the cog's refusal
    ("+1.0", "points are a whole number from 1 to 100, not `+1.0`.")])
async def test_warn_refuses_points_that_are_not_1_to_100(h: Harness, points: str, why: str) -> None:
    h.add_member("bob")
    answer = texts(await h.command("mo", f"/warn bob {points} spam"))
    assert answer == [f"/warn: {why}"]
    assert await no_case_was_filed(h)


@given(st.text(max_size=30))
def test_a_reason_line_never_turns_a_number_into_a_permanent_ban(raw: str) -> None:
    # what the parser leaves when the duration parameter did not take the first word
    try:
        span, reason = _checked_duration(None, raw or None, typed=True)
    except ValueError:
        return
    first = raw.strip().partition(" ")[0]
    if re.match(r"[+-]?\d", first):  # looks like a number: a real, positive duration or an error
        assert span is not None and span > timedelta(0)
    if span is None and first.lower() not in ("permanent", "perm", "forever"):
        assert reason == (raw.strip() or None)


async def test_a_moderator_cannot_overturn_their_own_case(h: Harness) -> None:
    h.add_member("mo2", "Moderators", rank=10)
    warned = await h.command("boss", "/warn mo 1 rude to a member")
    assert "Case #1: warn mo." in texts(warned)
    refusal = "Case #1 is about you: another moderator must decide it."
    assert texts(await h.command("mo", "/reason 1 it was a joke")) == [refusal]
    assert texts(await h.command("mo", "/pardon 1")) == [refusal]
    [form] = of(await h.command("mo", "/appeal"), OpenForm)
    sent = await h.submit("mo", form.form.action, {"why": "I was right"}, value=form.form.value)
    approve = next(b for b in buttons(sent) if b.label == "Approve")
    assert texts(await h.press("mo", approve)) == [refusal]
    # another moderator may
    assert any("approved" in t for t in texts(await h.press("mo2", approve)))


async def test_undo_of_ones_own_automatic_case_is_refused(h: Harness) -> None:
    h.add_member("mo2", "Moderators", rank=10)
    h.add_member("eve")
    first = await h.post("eve", "freenitro")
    undo = next(b for b in buttons(first) if b.label == "Undo")
    # eve is promoted later and tries to undo her own case
    h.adapter.members["eve"].roles.add("Moderators")
    assert texts(await h.press("eve", undo)) == ["Case #1 is about you: another moderator must decide it."]
    assert "Case #1 undone." in texts(await h.press("mo2", undo))


async def test_impossible_actions_are_refused_and_not_filed(h: Harness) -> None:
    h.add_member("bob")
    answer = texts(await h.command("mo", "/unban bob"))
    assert answer == ["Not done: bob is a member here, not banned."]
    assert texts(await h.command("mo", "/untimeout bob")) == ["Not done: bob is not timed out."]
    h.adapter.members["bob"].present = False
    assert of(await h.command("mo", "/kick bob"), KickMember) == []
    timed = await h.command("mo", "/timeout bob 10m")
    assert of(timed, TimeoutMember) == [] and "a member here" in texts(timed)[0]
    assert await no_case_was_filed(h)


async def test_lifting_what_is_there_still_works(h: Harness) -> None:
    h.add_member("bob")
    await h.command("mo", "/timeout bob 10m spam")
    assert len(of(await h.command("mo", "/untimeout bob"), RemoveTimeout)) == 1
    await h.command("mo", "/ban bob 1d spam")
    h.adapter.members["bob"].present = False
    assert len(of(await h.command("mo", "/unban bob"), UnbanMember)) == 1


async def test_notes_are_not_appealable_or_pardonable(h: Harness) -> None:
    h.add_member("bob")
    await h.command("mo", "/note bob private: watch for alt accounts")
    assert texts(await h.command("bob", "/appeal 1")) == [
        "Case #1 is a note, not a punishment: there is nothing to appeal."]
    assert texts(await h.command("mo", "/pardon 1")) == ["Case #1 is a note, not a punishment: nothing to pardon."]


async def test_appeal_answers_say_where_the_answer_comes_and_long_appeals_fit(h: Harness) -> None:
    h.add_member("bob")
    await h.command("mo", "/warn bob 1 rude")
    [form] = of(await h.command("bob", "/appeal"), OpenForm)
    # past the form's limits the core refuses the submission, so nothing reaches the mod log
    refused = await h.submit("bob", form.form.action, {"why": "x" * 7000, "contact": "y" * 7000},
                             value=form.form.value)
    assert modlog(refused) == [] and any("too long" in t for t in texts(refused))
    sent = await h.submit("bob", form.form.action, {"why": "x" * 1000, "contact": "y" * 300},
                          value=form.form.value)
    [log] = modlog(sent)
    assert len(log) < 2000
    assert "Their answer will come by direct message." in texts(sent)[-1]
    # while it is pending, /appeal says so instead of "no active case"
    assert texts(await h.command("bob", "/appeal")) == [
        "Your appeal of case #1 is with the moderators; their answer will come by direct message."]


async def test_raid_on_off_on_in_quick_succession_keeps_an_end_job(h: Harness) -> None:
    assert any("Raid mode ON" in t for t in texts(await h.command("mo", "/raid on")))
    await h.command("mo", "/raid off")
    again = texts(await h.command("mo", "/raid on"))
    assert not any("already exists" in t for t in again) and any("Raid mode ON" in t for t in again)
    # the end job of the second raid is there, and it ends raid mode (the slowmode is lifted)
    ended = await h.advance(minutes=11)
    assert any("Raid mode OFF" in t for t in texts(ended))


async def test_two_hundred_raiders_are_one_summary_updated_not_two_hundred_posts(h: Harness) -> None:
    posts: list[str] = []
    edits: list[EditMessage] = []
    for i in range(200):
        done = [*await h.join(f"raider{i}"), *(await h.advance(seconds=6) if i % 50 == 49 else [])]
        posts += modlog(done)
        edits += of(done, EditMessage)
    # the raid alert and the raid's one summary, edited as more join: 3 posts with the all-clear
    assert [p.split(" ", 2)[1] for p in posts] == ["Raid", "Raid:"]
    assert len({e.message for e in edits}) == 1 and len(edits) == 3
    assert posts[1].startswith("🚨 Raid: 47 joiner(s)")  # the first three joins were before raid mode
    assert edits[-1].content.plain().startswith("🚨 Raid: 197 joiner(s)")
    assert [b.label for b in edits[-1].content.buttons] == ["Ban these 197", "Undo these cases"]
    off = await h.command("mo", "/raid off")
    assert modlog(off) == ["Raid mode OFF (by mo)."] and not of(off, EditMessage)  # nothing new to show


CHANNEL_FLOOD = """
communities:
  - name: acme
    roles: {moderator: [Moderators]}
    channels: {modlog: "#mod-log", general: "#general"}
    moderation:
      rules:
        - name: channel-flood
          flood: {messages: 5, within: 10s, per: channel}
          actions: [{slowmode: 10s}, alert]
"""


async def test_a_channel_flood_acts_on_the_channel_and_its_undo_lifts_the_slowmode(db_url: str) -> None:
    from bot.actions import SetSlowmode
    from cogs.moderation import COG

    h = await Harness.start(CHANNEL_FLOOD, db_url=db_url, cogs={"moderation": COG})
    try:
        h.add_member("mo", "Moderators", rank=10)
        actions = []
        for i in range(5):
            actions += await h.post(f"m{i}", f"hello {i}")
        [slow] = of(actions, SetSlowmode)
        assert slow.seconds == 10 and slow.channel.id == "general"
        assert of(actions, TimeoutMember) == [] and of(actions, BanMember) == []
        [post] = modlog(actions)
        assert post.startswith("⚠ Alert: Case #1 · slowmode · #general")
        assert [b.label for b in buttons(actions)] == ["Undo"]  # no member to ban or time out
        assert texts(await h.command("mo", "/cases m4"))[0].startswith("No cases")
        undone = await h.press("mo", buttons(actions)[0])
        assert [a.seconds for a in of(undone, SetSlowmode)] == [0]
    finally:
        await h.close()


def test_a_channel_rule_cannot_punish_a_member() -> None:
    from bot.config import ConfigError, load_config_text
    from cogs.moderation.settings import ModerationSettings

    with pytest.raises(ConfigError, match="acts on the channel"):
        load_config_text(CHANNEL_FLOOD.replace("[{slowmode: 10s}, alert]", "[{slowmode: 10s}, ban]"),
                         cogs={"moderation": ModerationSettings}, env={})


async def test_automatic_timeout_and_ban_dms_name_the_duration(h: Harness) -> None:
    from tests.cogs.moderation.test_cog import dms

    for n in "abcdef":
        h.add_member(n)
    timed = dms(await h.post("bob", "@a @b @c @d @e @f hi",  # mention-spam: timeout 10m
                             mentions=tuple(h.user(n) for n in "abcdef")))
    assert any("You were timed out for 10m" in d for d in timed)
    banned = dms(await h.post("eve", "claim https://discord-nitro.gift/x"))  # scam-links: ban 7d
    assert any("You were banned for 1w" in d for d in banned)


async def test_a_banned_member_can_still_appeal_from_the_dm(h: Harness) -> None:
    actions = await h.post("eve", "claim https://discord-nitro.gift/x")
    assert of(actions, BanMember)
    h.adapter.members["eve"].present = False  # banned: no longer in the server
    appeal = next(b for b in buttons(actions) if b.label == "Appeal")
    [form] = of(await h.press("eve", appeal), OpenForm)
    sent = await h.submit("eve", form.form.action, {"why": "my account was stolen"}, value=form.form.value)
    assert any("Appeal of case #1 (ban)" in m for m in modlog(sent))


async def test_slowmode_takes_the_channel_before_or_after_the_interval(h: Harness) -> None:
    for line in ("/slowmode #events 10s", "/slowmode 10s #events"):
        [slow] = of(await h.command("mo", line), SetSlowmode)
        assert (slow.channel.id, slow.seconds) == ("events", 10)
    [here] = of(await h.command("mo", "/slowmode off"), SetSlowmode)
    assert (here.channel.id, here.seconds) == ("general", 0)
    for line, extra in (("/slowmode 10s #events #general", "#events #general"), ("/slowmode 10s #nowhere", "#nowhere"),
                        ("/slowmode #events 10s #general", "#general")):
        answer = await h.command("mo", line)
        assert of(answer, SetSlowmode) == []
        assert texts(answer) == [f"/slowmode: give the interval and at most one channel (`/slowmode #general 30s`), "
                                 f"not `{extra}`."]


async def test_help_explains_every_parameter_of_a_command(h: Harness) -> None:
    [ban] = texts(await h.command("mo", "/help ban"))
    assert ban.splitlines() == [
        "/ban <member> [duration] [reason] — Ban a member, optionally for a while.",
        "  member (member): who", "  duration (duration, optional): how long (default: permanent)",
        "  reason (text, optional): why (the member sees it)"]
    [warn] = texts(await h.command("mo", "/help /warn"))
    assert "  points (integer, from 1, to 100, optional): how many points (default 1)" in warn.splitlines()
    assert "  state (one of on, off)" in texts(await h.command("mo", "/help raid"))[0].splitlines()
    h.add_member("bob")
    assert texts(await h.command("bob", "/help ban")) == ["/ban is for moderators; you can't use it here."]
    assert texts(await h.command("bob", "/help nope")) == ["No command /nope. Type /help for the list."]
    assert "/help [command] — List the commands you can use" in texts(await h.command("bob", "/help"))[0]
