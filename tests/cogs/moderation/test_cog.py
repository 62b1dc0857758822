"""The moderation cog through the real dispatcher: rules, cases, escalation, commands, appeals, raid."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.actions import (
    Action,
    BanMember,
    BulkDelete,
    DeleteMessage,
    KickMember,
    LockChannel,
    OpenForm,
    RemoveTimeout,
    SendDirect,
    SendMessage,
    SetSlowmode,
    TimeoutMember,
    UnbanMember,
)
from bot.capabilities import Capability
from bot.components import Button
from bot.testing import Harness, texts
from cogs.moderation import COG
from tests.cogs.moderation.conftest import CONFIG


def modlog(actions: Sequence[Action]) -> list[str]:
    return [a.content.plain() for a in actions if isinstance(a, SendMessage) and a.channel.id == "mod-log"]


def dms(actions: Sequence[Action]) -> list[str]:
    return [a.content.plain() for a in actions if isinstance(a, SendDirect)]


def buttons(actions: Sequence[Action]) -> list[Button]:
    return [b for a in actions if isinstance(a, (SendMessage, SendDirect)) for b in a.content.buttons]


def of(actions: Sequence[Action], kind: type) -> list:  # type: ignore[type-arg]
    return [a for a in actions if isinstance(a, kind)]


async def test_banned_word_is_deleted_warned_and_logged(h: Harness) -> None:
    actions = await h.post("bob", "join the c.a.s.i.n.o tonight")
    assert len(of(actions, DeleteMessage)) == 1
    [log] = modlog(actions)
    assert log.startswith("Case #1 · warn (1 pt) · @bob · by rule banned-words")
    assert "matched “casino”" in log and "Evidence: > join the c.a.s.i.n.o tonight" in log
    assert [b.label for b in buttons(actions) if b.action.startswith("moderation:") and b.label != "Appeal"] == [
        "Undo", "Ban", "Dismiss"]
    [dm] = dms(actions)
    assert "You were warned in acme (case #1)" in dm and "/appeal" in dm
    segment = next(a for a in actions if isinstance(a, SendMessage)).content
    assert segment.ping == ()  # the mention of bob never pings


async def test_clean_messages_cause_nothing(h: Harness) -> None:
    for text in ("hello class", "we assess the Scunthorpe cockpit", "I went to casinos-royale-club"):
        assert await h.post("bob", text) == []


async def test_three_warnings_escalate_and_the_timeout_ends_once(h: Harness) -> None:
    await h.post("bob", "casino")
    await h.post("bob", "CASINO")
    third = await h.post("bob", "ca$ino")
    [timeout] = of(third, TimeoutMember)
    assert timeout.until == h.clock.now() + timedelta(hours=1)
    assert any(line.startswith("Case #4 · timeout for 1h · @bob · by rule escalation") for line in modlog(third))
    assert any("You were timed out for 1h" in d for d in dms(third))
    assert of(await h.advance(minutes=59), RemoveTimeout) == []
    ended = await h.advance(minutes=2)
    assert len(of(ended, RemoveTimeout)) == 1
    assert any("Case #4 ended: the timeout of @bob ran out" in m for m in modlog(ended))
    assert await h.advance(hours=5) == []


async def test_manual_untimeout_supersedes_the_pending_expiry(h: Harness) -> None:
    h.add_member("bob")
    actions = await h.command("mo", "/timeout bob 1h spamming")
    assert len(of(actions, TimeoutMember)) == 1 and "Case #1: timeout bob for 1h." in texts(actions)
    lifted = await h.command("mo", "/untimeout bob calmed down")
    assert len(of(lifted, RemoveTimeout)) == 1 and "Case #2: untimeout bob." in texts(lifted)
    assert await h.advance(hours=2) == []
    shown = texts(await h.command("mo", "/case 1"))[0]
    assert "State: superseded" in shown


async def test_member_who_rejoins_while_timed_out_is_muted_again(h: Harness) -> None:
    h.add_member("bob")
    await h.command("mo", "/timeout bob 2h")
    await h.leave("bob")
    rejoined = await h.join("bob")
    [again] = of(rejoined, TimeoutMember)
    assert again.until == h.clock.now() + timedelta(hours=2)
    assert any("muted again" in m for m in modlog(rejoined))


async def test_commands_check_level_hierarchy_and_platform(h: Harness) -> None:
    h.add_member("bob")
    h.add_member("owner", owner=True, rank=99)
    assert texts(await h.command("bob", "/warn mo")) == ["/warn is for moderators; you can't use it here."]
    assert texts(await h.command("mo", "/warn boss")) == ["Can't: boss is an admin; a moderator can't act on them."]
    assert texts(await h.command("mo", "/kick mo")) == ["Can't: you can't do that to yourself."]
    assert texts(await h.command("boss", "/ban owner")) == ["Can't: owner owns this community and can't be moderated."]
    assert texts(await h.command("mo", "/ban steward")) == ["Can't: Steward can't act on itself."]
    assert texts(await h.command("mo", "/ban nobody")) == ["/ban: no member `nobody` here."]


async def test_platform_without_timeouts_takes_the_documented_fallback(db_url: str) -> None:
    caps = set(Capability) - {Capability.TIMEOUT}
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG}, capabilities=caps)
    try:
        h.add_member("mo", "Moderators", rank=10)
        for name in ("a", "b", "c", "d", "e", "f"):
            h.add_member(name)
        from bot.refs import UserRef

        mentions = tuple(UserRef("memory", n) for n in "abcdef")
        actions = await h.post("bob", "hey @a @b @c @d @e @f", mentions=mentions)
        assert of(actions, TimeoutMember) == [] and len(of(actions, DeleteMessage)) == 1
        [log] = modlog(actions)
        assert "Case #1 · timeout" in log and "can't time members out" in log
        assert "Steward deletes their messages until the timeout ends instead" in log
        muted = await h.post("bob", "am I muted?")
        assert len(of(muted, DeleteMessage)) == 1
        refused = texts(await h.command("mo", "/timeout bob 1h"))
        assert refused == ["Can't: memory doesn't let Steward timeout members."]
        await h.advance(minutes=11)
        assert await h.post("bob", "back again") == []
    finally:
        await h.close()


async def test_scam_link_tempban_ends_once(h: Harness) -> None:
    actions = await h.post("eve", "claim here https://login.discord-nitro.gift/claim")
    [ban] = of(actions, BanMember)
    assert ban.delete_history == timedelta(days=1)
    assert any("known scam domain login.discord-nitro.gift" in m for m in modlog(actions))
    assert await h.advance(days=6) == []
    lifted = await h.advance(days=2)
    assert len(of(lifted, UnbanMember)) == 1
    assert await h.advance(days=30) == []


async def test_manual_unban_leaves_nothing_to_fire(h: Harness) -> None:
    h.add_member("eve")
    banned = await h.command("mo", "/ban eve 3d raiding the server")
    assert len(of(banned, BanMember)) == 1
    assert "Reason: raiding the server" in modlog(banned)[0]
    assert len(of(await h.command("mo", "/unban eve"), UnbanMember)) == 1
    assert await h.advance(days=4) == []


async def test_appeal_approved_reaches_the_member(h: Harness) -> None:
    first = await h.post("bob", "casino")
    [appeal_button] = [b for b in buttons(first) if b.label == "Appeal"]
    opened = await h.press("bob", appeal_button)  # from the DM
    [form] = of(opened, OpenForm)
    assert form.form.title == "Appeal case #1"
    sent = await h.submit("bob", form.form.action, {"why": "I was quoting the rules"}, value=form.form.value)
    [log] = modlog(sent)
    assert "Appeal of case #1 (warn) from @bob" in log and "I was quoting the rules" in log
    approve = next(b for b in buttons(sent) if b.label == "Approve")
    assert texts(await h.press("bob", approve)) == ["That button is for moderators; you can't use it here."]
    decided = await h.press("mo", approve)
    assert any("was approved: the case is revoked" in d for d in dms(decided))
    shown = texts(await h.command("mo", "/case 1"))[0]
    assert "State: revoked" in shown and "Appeal: approved" in shown
    assert texts(await h.command("bob", "/appeal")) == ["You have no active case to appeal."]


async def test_appeal_by_command_and_denied(h: Harness) -> None:
    h.add_member("bob")
    await h.command("mo", "/warn bob 2 rude")
    [form] = of(await h.command("bob", "/appeal"), OpenForm)
    sent = await h.submit("bob", form.form.action, {"why": "sorry"}, value=form.form.value)
    deny = next(b for b in buttons(sent) if b.label == "Deny")
    decided = await h.press("mo", deny)
    assert any("was denied: the case stands" in d for d in dms(decided))
    assert "already appealed (denied)" in texts(await h.command("bob", "/appeal 1"))[0]


async def test_raid_mode_switches_on_and_off(h: Harness) -> None:
    for name in ("r1", "r2", "r3"):
        assert of(await h.join(name), KickMember) == []
    fourth = await h.join("r4")
    assert len(of(fourth, KickMember)) == 1
    assert any(isinstance(a, SetSlowmode) and a.seconds == 30 for a in fourth)
    assert any(isinstance(a, LockChannel) and a.locked for a in fourth)
    alert = next(a for a in fourth if isinstance(a, SendMessage) and "Raid mode ON" in a.content.plain())
    assert [r.id for r in alert.content.ping] == ["Moderators"]  # the one deliberate ping
    assert len(of(await h.join("r5"), KickMember)) == 1
    off = await h.command("mo", "/raid off")
    # the raiders are one summary (each a case), not a post per joiner
    [summary] = [m for m in modlog(off) if m.startswith("🚨 Raid:")]
    assert "2 joiner(s)" in summary and "r4" in summary and "r5" in summary
    assert any(isinstance(a, SetSlowmode) and a.seconds == 0 for a in off)
    assert any(isinstance(a, LockChannel) and not a.locked for a in off)
    assert of(await h.join("late"), KickMember) == []
    assert await h.advance(minutes=20) == []  # the auto-end job was cancelled


async def test_names_are_checked_on_join(h: Harness) -> None:
    actions = await h.join("Official.Support")
    assert len(of(actions, KickMember)) == 1
    assert any("display name matched “official support”" in m for m in modlog(actions))


async def test_exemptions_shadow_and_channel_scope(h: Harness) -> None:
    h.add_member("partner", "Partners", rank=5)
    assert await h.post("partner", "join discord.gg/acme") == []
    assert await h.post("mo", "casino talk is fine for mods") == []
    assert len(of(await h.post("bob", "join discord.gg/other"), DeleteMessage)) == 1
    shouted = await h.post("carl", "THIS IS VERY LOUD TEXT")
    assert of(shouted, DeleteMessage) == []
    assert any(m.startswith("[shadow] rule shouting would have: delete") for m in modlog(shouted))
    assert await h.post("carl", "no spoilers please") == []
    assert len(of(await h.post("carl", "no spoilers please", channel="#events"), DeleteMessage)) == 1


async def test_flood_and_edits(h: Harness) -> None:
    for i in range(4):
        assert await h.post("fay", f"msg {i}") == []
    flooded = await h.post("fay", "msg 5")
    assert len(of(flooded, TimeoutMember)) == 1
    from bot.refs import MessageRef

    edited = await h.edit("gus", MessageRef("memory", "general", "x1"), "now it says freenitro")
    assert len(of(edited, DeleteMessage)) == 1


async def test_purge_only_that_members_messages(h: Harness) -> None:
    for text in ("one", "two", "three"):
        await h.post("bob", text)
        await h.post("amy", text)
    actions = await h.command("mo", "/purge 2 bob")
    [bulk] = of(actions, BulkDelete)
    assert len(bulk.messages) == 2
    assert texts(actions)[-1] == "Purged 2 message(s) by bob."


async def test_case_file_commands(h: Harness) -> None:
    h.add_member("bob")
    await h.command("mo", "/warn bob rude")
    await h.command("mo", "/note bob keeps testing limits")
    reason = await h.command("mo", "/reason 1 insulted a member")
    assert any(type(a).__name__ == "EditMessage" for a in reason)
    listing = texts(await h.command("mo", "/cases bob"))[0]
    assert "Cases of @bob (1 active point(s))" in listing and "#2 note" in listing and "insulted a member" in listing
    assert texts(await h.command("mo", "/pardon 1"))[-1] == "Case #1 pardoned."
    assert "0 active point(s)" in texts(await h.command("mo", "/cases bob"))[0]
    stats = texts(await h.command("mo", "/modstats"))[0]
    assert "Cases: 2" in stats and "note 1" in stats and "warn 1" in stats and "By moderator: mo 2" in stats
    assert texts(await h.command("mo", "/case 99")) == ["No case #99."]


async def test_review_buttons(h: Harness) -> None:
    first = await h.post("bob", "freenitro")
    undo, ban, dismiss = (next(b for b in buttons(first) if b.label == label) for label in ("Undo", "Ban", "Dismiss"))
    assert texts(await h.press("bob", undo)) == ["That button is for moderators; you can't use it here."]
    assert "Case #1 undone." in texts(await h.press("mo", undo))
    assert "Case #1 dismissed." in texts(await h.press("mo", dismiss))
    # buttons act on the state the case is in now: an undone case bans nobody
    assert texts(await h.press("mo", ban)) == ["Case #1 is revoked: there is nothing to ban for."]
    second = await h.post("bob", "freenitro again")
    ban = next(b for b in buttons(second) if b.label == "Ban")
    banned = await h.press("mo", ban)
    assert len(of(banned, BanMember)) == 1 and "Case #3: banned bob." in texts(banned)
    assert len(dms(banned)) == 1
    # and they act once: a second press bans nobody and DMs nobody
    again = await h.press("mo", ban)
    assert of(again, BanMember) == [] and dms(again) == []
    assert texts(again) == ["bob is already banned (case #3)."]


async def test_points_expire(h: Harness) -> None:
    await h.post("bob", "casino")
    await h.post("bob", "casino")
    await h.advance(days=31)
    third = await h.post("bob", "casino")
    assert of(third, TimeoutMember) == []  # the first two expired
    assert "1 active point(s)" in texts(await h.command("mo", "/cases bob"))[0]


async def test_forgetting_a_person_erases_their_cases_through_the_core(h: Harness) -> None:
    await h.post("bob", "casino")
    await h.post("carol", "casino")
    bob = await h.runtime.members.persons.get("acme", h.user("bob"))
    report = await h.runtime.members.forget(bob)
    assert report.ok and report.rows["moderation"] == 1
    assert "No cases" in texts(await h.command("mo", "/cases bob"))[0]
    assert "#2" in texts(await h.command("mo", "/cases carol"))[0]  # nobody else's


async def test_purge_skips_messages_already_deleted_and_timeout_over_28_days_is_refused(h: Harness) -> None:
    await h.post("alice", "hello there")
    await h.post("alice", "casino casino")  # deleted by the rule: not a purge candidate
    await h.post("alice", "second")
    purge = await h.command("mo", "/purge 5")
    deleted = [m for a in purge if isinstance(a, BulkDelete) for m in a.messages]
    assert len(deleted) == 2
    assert "Purged 2 message(s)." in texts(purge)
    h.add_member("bob")
    refusal = texts(await h.command("mo", "/timeout bob 40d"))
    assert refusal == ["Not done: a timeout can last at most 28 days (Discord's limit); for longer, use a timed ban "
                       "— `/ban bob 5w5d`."]


async def test_platform_that_can_neither_delete_nor_time_out_asks_the_author(db_url: str) -> None:
    # Slack without an admin token: the documented fallback is a DM asking the author to remove it
    caps = set(Capability) - {Capability.TIMEOUT, Capability.DELETE, Capability.BULK_DELETE}
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG}, capabilities=caps)
    try:
        h.add_member("mo", "Moderators", rank=10)
        actions = await h.post("bob", "join the casino")
        assert of(actions, DeleteMessage) == []
        [log] = modlog(actions)
        assert "Case #1 · warn" in log and "memory doesn't let Steward delete messages" in log
        assert "the author was asked to edit or delete it" in log and "Note:" in log
        [dm] = dms(actions)  # one DM: the warning with the request in it
        assert "You were warned in acme (case #1)" in dm
        assert "Please edit or delete your message in #general" in dm
        alert = await h.post("bob", "get a steam gift card")  # scam-patterns: delete + alert, no warning DM
        assert [d for d in dms(alert)] == ["Please edit or delete your message in #general: Steward can't remove "
                                           "it on memory."]
        await h.post("bob", "casino")
        third = await h.post("bob", "casino!")
        [escalation] = [m for m in modlog(third) if "timeout" in m]
        assert "can't time members out and Steward can't delete their messages" in escalation
        assert "deletes their messages until" not in escalation  # no soft mute it could not keep
        assert not [a for a in await h.post("bob", "still here") if isinstance(a, DeleteMessage)]
        assert [m for m in modlog(third) if "does not let Steward" in m] == []  # the cog never asked the impossible
    finally:
        await h.close()


async def test_ban_where_bots_cannot_ban_kicks_and_says_so(db_url: str) -> None:
    caps = set(Capability) - {Capability.BAN, Capability.TIMEOUT}
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG}, capabilities=caps)
    try:
        h.add_member("mo", "Moderators", rank=10)
        h.add_member("bob")
        actions = await h.command("mo", "/ban bob 7d raiding")
        assert of(actions, KickMember) and not of(actions, BanMember)
        notes = "\n".join(texts(actions))
        assert "can't ban members: Steward removed them from its channels" in notes
        assert "a workspace admin must deactivate the account" in notes
    finally:
        await h.close()



async def test_a_ban_dms_first_and_a_refused_timeout_is_recorded_not_announced(h: Harness) -> None:
    actions = await h.post("bob", "claim it at discord-nitro.gift/free now")  # scam-links: delete + tempban
    kinds = [type(a).__name__ for a in actions]
    assert kinds.index("SendDirect") < kinds.index("BanMember")  # after a ban the member can't be reached
    h.adapter.refusals[TimeoutMember] = "Missing Permissions"
    spam = await h.post("carol", "hi " + " ".join(f"@u{i}" for i in range(7)),
                        mentions=tuple(h.user(f"u{i}") for i in range(7)))
    assert of(spam, TimeoutMember) and not dms(spam)  # nobody hears of a timeout that did not happen
    assert any("not done: Missing Permissions" in line for line in modlog(spam))


RAW_RULE = """        - name: card-numbers
          regex: ['\\d{4}[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{4}']
          raw: true
          actions: [delete, alert]
      escalation:"""


async def test_raw_regex_rule_matches_the_text_as_typed(db_url: str) -> None:
    h = await Harness.start(CONFIG.replace("      escalation:", RAW_RULE, 1), db_url=db_url,
                            cogs={"moderation": COG})
    try:
        actions = await h.post("bob", "my card is 4111 1111 1111 1111, quick")
        assert len(of(actions, DeleteMessage)) == 1
        [log] = modlog(actions)
        assert "Alert: Case #1 · delete" in log and "by rule card-numbers" in log
        assert "matched “4111 1111 1111 1111”" in log
        assert await h.post("bob", "call me at 1234 5678") == []
        assert await h.post("bob", "aiii iiii iiii iiii") == []  # what normalisation would have made of it
    finally:
        await h.close()


async def test_soft_mute_survives_a_restart_and_ends_at_expiry(db_url: str) -> None:
    caps = set(Capability) - {Capability.TIMEOUT}
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG}, capabilities=caps)
    try:
        h.add_member("mo", "Moderators", rank=10)
        h.add_member("bob")
        await h.command("mo", "/warn bob 3 spamming")  # crosses the 3-point threshold: timeout 1h
        assert len(of(await h.post("bob", "still here?"), DeleteMessage)) == 1
        now = h.clock.now()
    finally:
        await h.close()
    # a new process on the same database: the mute is only in the case file now
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG}, capabilities=caps, now=now)
    try:
        h.add_member("bob")
        muted = await h.post("bob", "after the restart")
        assert len(of(muted, DeleteMessage)) == 1
        await h.advance(minutes=30)
        assert len(of(await h.post("bob", "half way"), DeleteMessage)) == 1
        await h.advance(minutes=31)
        assert await h.post("bob", "the hour is over") == []
    finally:
        await h.close()


async def test_one_message_breaking_two_rules_is_one_incident(h: Harness) -> None:
    # "freenitro" is a banned word (delete, warn 1) and a scam pattern (delete, alert)
    actions = await h.post("bob", "get your freenitro here")
    assert len(of(actions, DeleteMessage)) == 1
    [log] = modlog(actions)
    assert log.startswith("⚠ Alert: Case #1 · warn (1 pt) · @bob · by rules banned-words, scam-patterns")
    assert "Reason: broke the rules “banned-words”, “scam-patterns”" in log
    [dm] = dms(actions)
    assert "You were warned in acme (case #1)" in dm
    shown = texts(await h.command("mo", "/case 1"))[0]
    assert "banned-words — matched “freenitro” (delete, warn 1)" in shown
    assert "scam-patterns — matched “freenitro” (delete, alert)" in shown
    assert "No case #2." in texts(await h.command("mo", "/case 2"))
    assert "(1 active point(s))" in texts(await h.command("mo", "/cases bob"))[0]
    # two more such messages reach 3 points: one escalation, not one per rule
    await h.post("bob", "freenitro again")
    third = await h.post("bob", "freenitro once more")
    assert len(of(third, TimeoutMember)) == 1
    assert [m for m in modlog(third) if "by rule escalation" in m] != []
    assert len(modlog(third)) == 2  # the incident and its escalation
