"""The onboarding cog on a harness: a flow with every step kind, greeters and two follow-ups."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from bot.actions import Action, AddRole, RemoveRole, Reply, SendDirect, SendMessage
from bot.components import Button
from bot.testing import Harness
from cogs.onboarding import COG

FLOW = """
    onboarding:
      newcomer_role: Newcomers
      rejoin: {rejoin}
      steps:
        - {{kind: welcome, channel: "#welcome", text: "Welcome to {{community}}, {{member}}! Member {{member_count}}."}}
        - {{kind: rules, channel: "#rules", text: "Be kind.", role: Members}}
        - kind: question
          name: interests
          text: "What are you here for?"
          multiple: true
          options:
            - {{id: python, label: Python, roles: [Python]}}
            - {{id: rust, label: Rust, roles: [Rust]}}
            - {{id: events, label: Events, channels: ["#events"]}}
        - kind: question
          name: timezone
          text: "Your time zone?"
          timezone: true
          options:
            - {{id: london, label: London, timezone: Europe/London}}
            - {{id: tokyo, label: Tokyo, timezone: Asia/Tokyo}}
        - kind: question
          name: found-us
          text: "How did you find us?"
          source: true
          required: false
          options: [{{id: friend, label: A friend}}, {{id: search, label: A search}}]
        - {{kind: introduce, channel: "#introductions", text: "Say hello in #introductions."}}
        - kind: resources
          links: [{{title: Start here, url: "https://example.com/start"}}]
      follow_up:
        - {{after: 1d, text: "A day in, {{member}}."}}
        - {{after: 7d, text: "A week in, {{member}}."}}
      greeters: {{channel: "#staff", role: Greeters, buddies: true, cap: 1}}
      welcome_batch: {{above: {above}, within: 1m}}
{extra}"""
CONFIG = """
timezone: UTC
communities:
  - name: acme
    timezone: Europe/London
    roles: {{moderator: [Moderators], admin: [Admins], member: [Members], newcomer: [Newcomers],
             greeter: [Greeters], interests: [Python, Rust]}}
    channels: {{modlog: "#mod-log", general: "#general", welcome: "#welcome", rules: "#rules",
                introductions: "#introductions", events: "#events", staff: "#staff"}}
""" + FLOW


def config(rejoin: str = "resume", above: int = 10, extra: str = "") -> str:
    return CONFIG.format(rejoin=rejoin, above=above, extra=extra)


async def start(db_url: str, *, platforms: Sequence[str] = ("memory",), **kwargs: object) -> Harness:
    h = await Harness.start(config(**kwargs), db_url=db_url, cogs={"onboarding": COG},  # type: ignore[arg-type]
                            platforms=platforms)
    h.add_member("mo", "Moderators")
    h.add_member("ada", "Admins")
    return h


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await start(db_url)
    yield harness
    await harness.close()


def dms(actions: Sequence[Action], to: str | None = None) -> list[str]:
    return [a.content.plain() for a in actions if isinstance(a, SendDirect) and (to is None or a.user.id == to)]


def replies(actions: Sequence[Action]) -> list[str]:
    return [a.content.plain() for a in actions if isinstance(a, Reply)]


def posts(actions: Sequence[Action], channel: str) -> list[SendMessage]:
    return [a for a in actions if isinstance(a, SendMessage) and a.channel.id == channel]


def roles(actions: Sequence[Action], who: str) -> list[str]:
    return [("+" if isinstance(a, AddRole) else "-") + a.role.id for a in actions
            if isinstance(a, (AddRole, RemoveRole)) and a.user.id == who]


def button(actions: Sequence[Action], label: str) -> Button:
    for a in reversed(actions):
        content = getattr(a, "content", None)
        for b in getattr(content, "buttons", ()):
            if b.label.lstrip("✓ ") == label:
                return b  # type: ignore[no-any-return]
    raise AssertionError(f"no button {label!r} in {[getattr(a, 'content', None) for a in actions]}")


async def through_rules(h: Harness, name: str) -> list[Action]:
    """Join and agree to the rules; returns every action."""
    out = list(await h.join(name))
    out += await h.press(name, button(out, "I agree"))
    return out


async def finish(h: Harness, name: str) -> list[Action]:
    """Join and walk the whole flow (Python, London, a friend, an introduction)."""
    out = await through_rules(h, name)
    out += await h.press(name, button(out, "Python"))
    out += await h.press(name, button(out, "Done"))
    out += await h.press(name, button(out, "London"))
    out += await h.press(name, button(out, "A friend"))
    out += await h.post(name, "hi, I'm new", "#introductions")
    return out
