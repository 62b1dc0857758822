"""The onboarding flow through the real runtime on memory platforms (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from bot.actions import KickMember, SendDirect
from bot.events import MemberUpdated
from bot.facts import (
    MemberGreeted,
    MemberVerified,
    OnboardingAnswered,
    OnboardingCompleted,
    OnboardingStarted,
    OnboardingStepDone,
    PreferenceChanged,
)
from bot.refs import RoleRef
from bot.testing import Harness
from cogs.onboarding import COG
from tests.cogs.onboarding.conftest import (
    CONFIG,
    button,
    config,
    dms,
    finish,
    posts,
    replies,
    roles,
    start,
    through_rules,
)

pytestmark = pytest.mark.pg


async def test_welcome_names_only_the_newcomer_in_the_channel_and_by_dm(h: Harness) -> None:
    out = await h.join("dana")
    [post] = posts(out, "welcome")
    assert post.content.plain() == "Welcome to acme, @dana! Member 1."
    assert post.content.ping == ()  # a mention, no ping
    assert dms(out, "dana")[0] == "Welcome to acme, @dana! Member 1."
    assert "Be kind." in dms(out, "dana")[1] and "Left: the rules, 2 questions and your introduction." in dms(out)[1]
    assert roles(out, "dana") == ["+Newcomers"]


async def test_rules_grant_the_role_and_lift_the_gate(h: Harness) -> None:
    out = await through_rules(h, "dana")
    assert roles(out, "dana") == ["+Newcomers", "+Members", "-Newcomers"]
    assert "Thanks for agreeing to the rules. You now have the Members role." in replies(out)
    again = await h.press("dana", button(out, "I agree"))
    assert replies(again) == ["You've already agreed to the rules."] and roles(again, "dana") == []


async def test_questions_give_roles_channels_the_zone_and_the_source(h: Harness) -> None:
    out = await through_rules(h, "dana")
    out += await h.press("dana", button(out, "Python"))
    out += await h.press("dana", button(out, "Rust"))
    out += await h.press("dana", button(out, "Rust"))  # taken back
    out += await h.press("dana", button(out, "Events"))
    done = await h.press("dana", button(out, "Done"))
    assert sorted(roles(done, "dana")) == ["+Python"]
    assert any("You now have: Python. Have a look at #events." in r for r in replies(done))
    zone = await h.press("dana", button(done, "Tokyo"))
    assert any("Times will be shown in Asia/Tokyo" in r for r in replies(zone))
    person = await h.runtime.members.persons.get("acme", h.user("dana"))
    assert (await h.runtime.members.prefs.get(person)).timezone == "Asia/Tokyo"
    src = await h.press("dana", button(zone, "A friend"))
    assert "Say hello in #introductions." in dms(src, "dana")[-1]
    ctx = next(iter(h.runtime.cogs_of("acme"))).ctx  # type: ignore[attr-defined]
    facts = await ctx.facts((OnboardingAnswered, PreferenceChanged))
    answered = [(f.question, f.choices, f.source) for f in facts if isinstance(f, OnboardingAnswered)]
    assert answered == [("interests", ["python", "events"], False), ("timezone", ["tokyo"], False),
                        ("found-us", ["friend"], True)]
    assert [f.setting for f in facts if isinstance(f, PreferenceChanged)] == ["timezone"]


async def test_an_introduction_is_noticed_and_the_flow_completes(h: Harness) -> None:
    out = await finish(h, "dana")
    said = dms(out, "dana")
    assert "Thanks for introducing yourself, @dana!" in said
    assert any("Start here — https://example.com/start" in d for d in said)
    assert said[-1] == "You're all set — welcome to acme!"
    ctx = next(iter(h.runtime.cogs_of("acme"))).ctx  # type: ignore[attr-defined]
    facts = await ctx.facts((OnboardingStarted, OnboardingStepDone, OnboardingCompleted))
    steps = [f.step for f in facts if isinstance(f, OnboardingStepDone)]
    assert steps == ["rules", "interests", "timezone", "found-us", "first-message", "introduce"]
    assert sum(isinstance(f, OnboardingCompleted) for f in facts) == 1
    # done: no follow-up ever
    assert dms(await h.advance(days=8)) == []


async def test_follow_ups_go_only_to_who_has_not_finished_and_never_twice(h: Harness) -> None:
    await finish(h, "dana")
    await through_rules(h, "erin")
    day = await h.advance(days=1, minutes=1)
    assert [d.split("\n")[0] for d in dms(day)] == ["A day in, @erin."]
    assert "What are you here for?" in dms(day, "erin")[0]  # the step that waits, with its buttons
    assert dms(await h.advance(days=1)) == []
    week = await h.advance(days=6)
    assert [d.split("\n")[0] for d in dms(week)] == ["A week in, @erin."]


async def test_a_member_who_finished_the_steps_but_never_posted_is_still_nudged(h: Harness) -> None:
    out = await through_rules(h, "erin")
    out += await h.press("erin", button(out, "Python"))
    out += await h.press("erin", button(out, "Done"))
    out += await h.press("erin", button(out, "London"))
    await h.press("erin", button(out, "A friend"))
    assert [d.split("\n")[0] for d in dms(await h.advance(days=1, minutes=1))] == ["A day in, @erin."]


async def test_a_restart_midway_keeps_every_members_step(db_url: str) -> None:
    h = await start(db_url)
    out = await through_rules(h, "dana")
    out += await h.press("dana", button(out, "Python"))
    await h.join("erin")
    await h.close()
    h2 = await start(db_url)
    h2.add_member("dana")  # the platform still has them; only Steward restarted
    h2.add_member("erin")
    try:
        # dana's old card still works after the restart: her pick is remembered
        done = await h2.press("dana", button(out, "Done"))
        assert sorted(roles(done, "dana")) == ["+Python"] and "Your time zone?" in dms(done, "dana")[-1]
        status = await h2.command("ada", "/onboarding status erin")
        assert "Left: the rules, 2 questions and your introduction." in replies(status)[0]
        day = await h2.advance(days=1, minutes=1)  # follow-ups were stored, not kept in memory
        assert sorted(d.split("\n")[0] for d in dms(day)) == ["A day in, @dana.", "A day in, @erin."]
    finally:
        await h2.close()


async def test_a_press_by_someone_else_is_not_theirs(h: Harness) -> None:
    out = await h.join("dana")
    assert replies(await h.press("erin", button(out, "I agree"))) == [
        "This one is not yours: it belongs to another member's welcome."]
    assert roles(h.performed, "erin") == []


async def test_dms_closed_get_the_channel_version_and_dms_off_too(h: Harness) -> None:
    h.adapter.refusals[SendDirect] = "Cannot send messages to this user"
    out = await h.join("dana")
    card = [p for p in posts(out, "welcome") if "Be kind." in p.content.plain()]
    assert card and card[0].content.plain().startswith("@dana ") and card[0].content.ping == (h.user("dana"),)
    del h.adapter.refusals[SendDirect]
    await h.command("erin", "/settings dm off")
    out = await h.join("erin")
    assert [p for p in posts(out, "welcome") if "Be kind." in p.content.plain()]
    assert dms(out, "erin") == [] or all(not isinstance(a, SendDirect) for a in out)


async def test_answers_after_the_flow_changed_are_handled(db_url: str) -> None:
    h = await start(db_url)
    out = await through_rules(h, "dana")
    await h.close()
    smaller = CONFIG.replace("            - {{id: rust, label: Rust, roles: [Rust]}}\n", "")
    h2 = await Harness.start(smaller.format(rejoin="resume", above=10, extra=""), db_url=db_url,
                             cogs={"onboarding": COG})
    h2.add_member("dana")
    try:
        gone = await h2.press("dana", button(out, "Rust"))
        assert replies(gone)[0].startswith("That answer isn't offered any more. Here is where you are now:")
        assert "What are you here for?" in replies(gone)[0]
        bad = await h2.press("dana", type(button(out, "Rust"))("x", "onboarding:pick", "junk"))
        assert replies(bad) == ["That button isn't one of Steward's onboarding buttons any more."]
    finally:
        await h2.close()


async def test_greeters_say_hi_once_and_buddies_go_round_robin_within_the_cap(h: Harness) -> None:
    h.add_member("gil", "Greeters")
    h.add_member("hal", "Greeters")
    h.add_member("ivy", "Greeters")
    for name in ("gil", "hal", "ivy"):
        await h.command(name, "/greeter on")
    await h.command("ivy", "/greeter away")
    first = await h.join("dana")
    second = await h.join("erin")
    third = await h.join("finn")
    buddies = [posts(x, "staff")[0].content.plain() for x in (first, second, third)]
    assert "Buddy: @gil" in buddies[0] and "Buddy: @hal" in buddies[1]
    assert "Buddy" not in buddies[2]  # gil and hal are at their cap of 1, ivy is away
    hi = await h.press("gil", button(first, "Say hi"))
    assert "Thanks! @dana heard that you said hi." in replies(hi)
    assert dms(hi, "dana") == ["gil from acme says hi! Reply to them any time."]
    twice = await h.press("hal", button(first, "Say hi"))
    assert replies(twice) == ["Someone already said hi to them — thanks anyway!"]
    assert "is for the Greeters role" in replies(await h.press("dana", button(second, "Say hi")))[0]
    ctx = next(iter(h.runtime.cogs_of("acme"))).ctx  # type: ignore[attr-defined]
    greeted = [f for f in await ctx.facts((MemberGreeted,)) if isinstance(f, MemberGreeted)]
    assert len(greeted) == 1


async def test_a_raid_is_welcomed_in_one_batch(db_url: str) -> None:
    h = await start(db_url, above=3)
    try:
        out = []
        for i in range(40):
            out += await h.join(f"r{i:02d}")
        individual = [p for p in posts(out, "welcome") if p.content.plain().startswith("Welcome to acme, @")]
        assert len(individual) == 3
        batch = posts(await h.advance(minutes=1), "welcome")
        assert len(batch) == 1
        assert batch[0].content.plain().startswith("Welcome to acme, @r03, @r04,")
        assert "and 27 others!" in batch[0].content.plain()
    finally:
        await h.close()


async def test_the_verification_gate_holds_young_accounts_until_a_moderator_decides(db_url: str) -> None:
    h = await start(db_url, extra="      verification: {account_age: 7d, on_deny: kick}\n")
    try:
        held = await h.join("dana")
        [card] = posts(held, "mod-log")
        assert "dana's account is younger than the 1w" in card.content.plain()
        assert dms(held, "dana") == [] and roles(held, "dana") == ["+Newcomers"]
        assert "for moderators" in replies(await h.press("erin", button(held, "Approve")))[0]
        ok = await h.press("mo", button(held, "Approve"))
        assert "Be kind." in dms(ok, "dana")[-1]
        assert replies(await h.press("mo", button(held, "Deny")))[0].startswith("Someone already decided")
        other = await h.join("erin")
        no = await h.press("mo", button(other, "Deny"))
        assert any(isinstance(a, KickMember) and a.user.id == "erin" for a in no)
        ctx = next(iter(h.runtime.cogs_of("acme"))).ctx  # type: ignore[attr-defined]
        verdicts = [f.approved for f in await ctx.facts((MemberVerified,)) if isinstance(f, MemberVerified)]
        assert verdicts == [True, False]
    finally:
        await h.close()


async def test_a_member_who_comes_back_resumes_or_restarts(db_url: str) -> None:
    h = await start(db_url)
    try:
        await through_rules(h, "dana")
        await h.leave("dana")
        assert dms(await h.advance(days=1, minutes=1)) == []  # gone: no nudges
        back = await h.join("dana")
        assert "Welcome back to acme! Let's pick up where you left off." in dms(back, "dana")
        assert "What are you here for?" in dms(back, "dana")[-1] and posts(back, "welcome") == []
    finally:
        await h.close()
    h = await start(db_url, rejoin="restart")
    try:
        await h.leave("dana")
        again = await h.join("dana")
        assert "Be kind." in dms(again, "dana")[-1]
    finally:
        await h.close()


async def test_discord_onboarding_roles_mark_steps_done(db_url: str) -> None:
    extra_flow = "discord: true"
    h = await Harness.start(
        config().replace(
            '{kind: rules, channel: "#rules", text: "Be kind.", role: Members}',
            '{kind: rules, channel: "#rules", text: "Be kind.", role: Members, ' + extra_flow + "}"),
        db_url=db_url, cogs={"onboarding": COG}, platforms=("discord",))
    h.add_member("ada", "Admins", platform="discord")
    try:
        out = await h.join("dana")
        assert all("Be kind." not in d for d in dms(out, "dana"))  # Discord's screens ask it
        assert "What are you here for?" in dms(out, "dana")[-1]
        updated = await h.send(MemberUpdated(platform="discord", scope="acme", event_id="u1",
                                             occurred_at=h.clock.now(), member=h.user("dana", "discord"),
                                             name="dana", roles=(RoleRef("discord", "Members"),), before_roles=()))
        assert dms(updated, "dana") == []  # nothing asked twice
        status = await h.command("ada", "/onboarding status dana", platform="discord")
        assert "Done: welcome, rules" in replies(status)[0]
    finally:
        await h.close()


async def test_admin_commands_status_reset_preview_and_stats(h: Harness) -> None:
    await finish(h, "dana")
    await h.join("erin")
    assert "is for admins" in replies(await h.command("dana", "/onboarding stats"))[0]
    status = replies(await h.command("ada", "/onboarding status dana"))[0]
    assert "Onboarding of @dana: done" in status and "interests: Python" in status
    assert replies(await h.command("ada", "/onboarding status"))[0] == "Name the member: /onboarding status @member"
    assert replies(await h.command("ada", "/onboarding status zed")) == ["/onboarding: no member `zed` here."]
    preview = await h.command("ada", "/onboarding preview")
    assert any(d.startswith("[preview] Be kind.") for d in dms(preview, "ada"))
    walked = await h.press("ada", button(preview, "I agree"))
    assert roles(walked, "ada") == [] and "[preview] noted — nothing recorded, no role given." in replies(walked)
    assert any(d.startswith("[preview] What are you here for?") for d in dms(walked, "ada"))
    picked = await h.press("ada", button(walked, "Rust"))
    assert "[preview] picked; press Done." in replies(picked)[0] and roles(picked, "ada") == []
    assert replies(await h.press("dana", button(walked, "Done"))) == [
        "This one is not yours: it belongs to another member's welcome."]
    stats = replies(await h.command("ada", "/onboarding stats"))[0]
    assert "Joined: 2" in stats and "Accepted the rules: 1 (50%)" in stats and "Finished onboarding: 1 (50%)" in stats
    reset = await h.command("ada", "/onboarding reset dana")
    assert "starts again from the first step" in replies(reset)[0] and "Be kind." in dms(reset, "dana")[-1]


async def test_merge_and_delete_hooks(h: Harness) -> None:
    await through_rules(h, "dana")
    person = await h.runtime.members.persons.get("acme", h.user("dana"))
    report = await h.runtime.members.forget(person)
    assert report is not None
    assert "has not been through onboarding" in replies(await h.command("ada", "/onboarding status dana"))[0]


async def test_a_role_gone_from_the_platform_is_reported_and_old_answers_stay_readable(db_url: str) -> None:
    h = await start(db_url)
    try:
        h.adapter.world("acme").roles.discard("Members")  # an admin deleted the role after Steward started
        out = await through_rules(h, "dana")
        out += await h.press("dana", button(out, "Rust"))
        await h.advance(seconds=5)
        logged = [p.content.plain() for p in posts(h.performed, "mod-log")]
        assert any("AddRole — failed: no role Members here" in line for line in logged), logged
        assert "What are you here for?" in dms(out, "dana")[-1]  # the flow goes on
    finally:
        await h.close()
    smaller = CONFIG.replace("            - {{id: rust, label: Rust, roles: [Rust]}}\n", "")
    h2 = await Harness.start(smaller.format(rejoin="resume", above=10, extra=""), db_url=db_url,
                             cogs={"onboarding": COG})
    h2.add_member("dana")
    h2.add_member("ada", "Admins")
    try:
        status = replies(await h2.command("ada", "/onboarding status dana"))[0]
        assert "interests: rust (no longer offered)" in status
    finally:
        await h2.close()


async def test_still_active_after_seven_days_and_the_first_message(h: Harness) -> None:
    await h.join("dana")
    await h.join("erin")
    await h.post("erin", "hello!")  # a first message on day one only
    await h.advance(days=2)
    await h.post("dana", "back again")  # first message, and active after her first day
    await h.advance(days=5, minutes=1)
    ctx = next(iter(h.runtime.cogs_of("acme"))).ctx  # type: ignore[attr-defined]
    steps = [(f.step, f.person) for f in await ctx.facts((OnboardingStepDone,)) if isinstance(f, OnboardingStepDone)]
    dana = await h.runtime.members.persons.get("acme", h.user("dana"))
    erin = await h.runtime.members.persons.get("acme", h.user("erin"))
    assert ("first-message", erin) in steps and ("first-message", dana) in steps
    assert [p for s, p in steps if s == "active-7d"] == [dana]
    stats = replies(await h.command("ada", "/onboarding stats"))[0]
    assert "Still active after 7 days: 1 (50%)" in stats and "Posted a first message: 2 (100%)" in stats


async def test_merging_two_persons_keeps_the_kept_persons_onboarding(db_url: str) -> None:
    h = await start(db_url, platforms=("memory", "slackish"))
    h.add_member("ada", "Admins", platform="slackish")
    try:
        await through_rules(h, "dana")  # on one platform
        await h.join("dana", platform="slackish")  # the same human on another: a second person for now
        kept = await h.runtime.members.persons.get("acme", h.user("dana"))
        other = await h.runtime.members.persons.get("acme", h.user("dana", "slackish"))
        assert kept != other
        await h.runtime.members.merge(other, kept)
        status = replies(await h.command("ada", "/onboarding status dana"))[0]
        assert "Done: welcome, rules" in status  # the kept person's progress, not the new account's
        hi = await h.command("ada", "/onboarding status dana", platform="slackish")
        assert "Done: welcome, rules" in replies(hi)[0]  # the other account is the same person now
    finally:
        await h.close()
