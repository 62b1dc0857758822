"""Onboarding on Slack: the real slack-bolt app against the fake Web API, built as `steward run` builds it.

Slack bots can't change user groups, so each role the flow gives is asked of the moderators in the mod log.
"""

from __future__ import annotations

from tests.adapters.slack.conftest import StartSteward
from tests.adapters.slack.fake_slack import Call, FakeSlack
from tests.adapters.slack.test_http import message
from tests.adapters.slack.test_moderation_integration import _joiner, buttons, posted, press
from tests.cogs.onboarding.conftest import FLOW

CHANNELS = {"modlog": "#mod-log", "general": "#general", "welcome": "#welcome", "rules": "#rules",
            "introductions": "#introductions", "events": "#events", "staff": "#staff"}
GROUPS = ("Members", "Newcomers", "Greeters", "Python", "Rust")
ROLES = "member: [Members], newcomer: [Newcomers], greeter: [Greeters], interests: [Python, Rust]"


def prepare(fake: FakeSlack) -> None:
    """The workspace's extra channels and the user groups the flow names."""
    ws = fake.workspaces["T0001"]
    for name in ("rules", "introductions", "events"):
        cid = "C0" + name.upper()[:8]
        ws.channels[cid] = {"id": cid, "name": name, "is_private": False, "is_archived": False}
    for i, name in enumerate(GROUPS):
        ws.groups[f"S0G{i}"] = {"id": f"S0G{i}", "team_id": "T0001", "name": name, "handle": name.lower(),
                                "users": []}


def sections() -> str:
    flow = FLOW.format(rejoin="resume", above=10, extra="")
    return "\n".join(line[4:] for line in flow.splitlines() if line.strip())


async def dm(fake: FakeSlack, user: str, text: str) -> Call:
    return await posted(fake, lambda c: c.args["channel"] == "D" + user[1:] and text in c.args.get("text", ""))


async def test_the_flow_on_slack(fake: FakeSlack, start_steward: StartSteward) -> None:
    prepare(fake)
    steward = await start_steward(demo=False, channels=CHANNELS, sections=sections(), roles=ROLES)
    joiner = _joiner(fake, "U0DANA", "Dana")
    assert await steward.event({"type": "team_join", "user": joiner, "event_ts": "1700003000.000100"}) == 200
    welcome = await posted(fake, lambda c: c.args["channel"] == "C0WELCOME")
    assert welcome.args["text"] == "Welcome to acme, @Dana! Member 1."  # named, not pinged
    greet = await posted(fake, lambda c: c.args["channel"] == "G0STAFF")
    assert "Say hi" in buttons(greet)
    # the gate role: Slack can't give it, so the moderators are asked to
    await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "Newcomers" in c.args["text"]
                 and "by hand" in c.args["text"])
    rules = await dm(fake, "U0DANA", "Be kind.")
    assert await steward.interact(press(rules, "I agree", user="U0DANA", hook="r1", fake=fake)) == 200
    await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "give Members" in c.args["text"])
    question = await dm(fake, "U0DANA", "What are you here for?")
    assert await steward.interact(press(question, "Python", user="U0DANA", hook="q1", fake=fake)) == 200
    await fake.wait_for(lambda: [c for c in fake.of("response_url") if c.args["hook"] == "q1"])  # picked first
    assert await steward.interact(press(question, "Done", user="U0DANA", hook="q2", fake=fake)) == 200
    await dm(fake, "U0DANA", "Your time zone?")
    await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "give Python" in c.args["text"])
    # someone else pressing dana's card
    assert await steward.interact(press(question, "Rust", user="U0BOB", hook="x1", fake=fake)) == 200
    answers = await fake.wait_for(lambda: [c for c in fake.of("response_url") if c.args["hook"] == "x1"])
    assert answers[0].args["text"] == "This one is not yours: it belongs to another member's welcome."
    # the rest of the flow, and her introduction noticed in #introductions
    zone = await dm(fake, "U0DANA", "Your time zone?")
    assert await steward.interact(press(zone, "London", user="U0DANA", hook="z1", fake=fake)) == 200
    found = await dm(fake, "U0DANA", "How did you find us?")
    assert await steward.interact(press(found, "Skip", user="U0DANA", hook="s1", fake=fake)) == 200
    await dm(fake, "U0DANA", "Say hello in #introductions.")
    fake.workspaces["T0001"].memberships["U0DANA"].append("C0INTRODUC")
    assert await steward.event(message("hi, I'm Dana", user="U0DANA", channel="C0INTRODUC",
                                       ts="1700003100.000100")) == 200
    await dm(fake, "U0DANA", "Thanks for introducing yourself")
    await dm(fake, "U0DANA", "You're all set — welcome to acme!")
