"""The dispatcher end to end on the memory platform: commands, buttons, forms, jobs, failures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actions import Action, Reply, SendMessage, TimeoutMember
from bot.capabilities import Capability
from bot.cog import Cog, button, command, form, job, on
from bot.commands import Param, ParamType
from bot.components import Button
from bot.config.types import StrictModel
from bot.content import UserText, fmt, text
from bot.dispatcher import only_for
from bot.events import ButtonPressed, CommandInvoked, FormSubmitted, MemberJoined, MessagePosted
from bot.permissions import Level
from bot.refs import UserRef
from bot.scheduler import JobRun
from bot.testing import Harness, texts


class DemoSettings(StrictModel):
    greeting: str = "hi"


class DemoCog(Cog):
    name = "demo"
    settings_model = DemoSettings

    @on(MessagePosted)
    async def echo(self, event: MessagePosted) -> Action | None:
        if event.text == "boom":
            raise RuntimeError("handler bug")
        if event.text.startswith("echo "):
            return SendMessage(channel=event.channel, content=fmt("{who} said {what}",
                               who=event.author_name, what=UserText(event.text[5:])))
        return None

    @on(MemberJoined)
    async def greet(self, event: MemberJoined) -> Action:
        channel = self.ctx.community.channel("welcome", event.platform)
        assert channel is not None
        return SendMessage(channel=channel, content=text(f"{self.settings.greeting} {event.name}"))

    @command("mute", "Time a member out.", level=Level.MODERATOR,
             params=[Param("member", ParamType.MEMBER), Param("duration", ParamType.DURATION),
                     Param("reason", ParamType.TEXT, required=False)])
    async def mute(self, event: CommandInvoked, member: UserRef, duration: timedelta,
                   reason: str | None) -> list[Action]:
        refusal = await self.ctx.hierarchy_refusal(event.user, member)
        if refusal:
            return [Reply(origin=event.origin, content=text(f"Can't: {refusal}"))]
        until = self.ctx.now() + duration
        await self.ctx.schedule("unmute", until, {"user": member.id}, key=f"unmute:{member.id}")
        return [TimeoutMember(scope=event.scope, user=member, until=until, reason=reason or ""),
                Reply(origin=event.origin, content=text("done").with_buttons(
                    Button("Undo", self.action_id("undo"), member.id)))]

    @command("count", "Count to n.", params=[Param("n", ParamType.INTEGER, min_value=1, max_value=5)])
    async def count(self, event: CommandInvoked, n: int) -> Reply:
        return Reply(origin=event.origin, content=text(" ".join(str(i) for i in range(1, n + 1))))

    @command("crash", "Fails.")
    async def crash(self, event: CommandInvoked) -> Reply:
        raise ValueError("bug")

    @button("undo")
    async def undo(self, event: ButtonPressed) -> Reply:
        await self.ctx.cancel(f"unmute:{event.value}")
        return Reply(origin=event.origin, content=text(f"undone for {event.value}"))

    @form("survey")
    async def survey(self, event: FormSubmitted) -> Reply:
        return Reply(origin=event.origin, content=text(f"thanks, {event.fields['colour']}"))

    @job("unmute")
    async def unmute(self, run: JobRun) -> None:
        await self.ctx.modlog(text(f"unmuted {run.payload['user']} late={run.late}"))


CONFIG = """
communities:
  - name: acme
    roles: {moderator: [Moderators], admin: [Admins]}
    channels: {modlog: "#mod-log", welcome: "#welcome"}
    commands: {per_member: 3, window: 10s}
    demo: {greeting: hello}
"""


@pytest.fixture
async def h(db_url: str) -> Harness:
    harness = await Harness.start(CONFIG, db_url=db_url, cogs={"demo": DemoCog})
    yield harness
    await harness.close()


async def test_message_handler_escapes_user_text(h: Harness) -> None:
    actions = await h.post("alice", "echo <@&123> hi")
    assert texts(actions) == ["alice said <@&123> hi"]
    segment = actions[0].content.segments[-1]  # type: ignore[attr-defined]
    assert isinstance(segment, UserText)


async def test_join_greets_in_configured_channel(h: Harness) -> None:
    actions = await h.join("bob")
    assert texts(actions) == ["hello bob"]
    assert actions[0].channel.id == "welcome"  # type: ignore[attr-defined]


async def test_member_cannot_use_moderator_command(h: Harness) -> None:
    h.add_member("bob")
    actions = await h.command("alice", "/mute bob 10m")
    assert texts(actions) == ["/mute is for moderators; you can't use it here."]


async def test_bad_arguments_get_specific_replies(h: Harness) -> None:
    h.add_member("mo", "Moderators")
    h.add_member("bob")
    assert "`10x`: unknown unit `x` — try 10m" in texts(await h.command("mo", "/mute bob 10x"))[0]
    assert "isn't a duration" in texts(await h.command("mo", "/mute bob soon"))[0]
    assert "no member `carol`" in texts(await h.command("mo", "/mute carol 10m"))[0]
    assert "missing duration" in texts(await h.command("mo", "/mute bob"))[0]
    assert "at most 5" in texts(await h.command("alice", "/count 9"))[0]
    assert "whole number" in texts(await h.command("alice", "/count x"))[0]


async def test_unknown_command_suggests(h: Harness) -> None:
    assert texts(await h.command("alice", "/cont 2")) == [
        "Unknown command /cont. Did you mean /count? Type /help for the list."]


async def test_help_lists_by_level(h: Harness) -> None:
    member_help = texts(await h.command("alice", "/help"))[0]
    assert "/count <n>" in member_help and "/mute" not in member_help
    h.add_member("mo", "Moderators")
    assert "/mute <member> <duration> [reason]" in texts(await h.command("mo", "/help"))[0]


async def test_command_schedules_job_and_button_cancels(h: Harness) -> None:
    h.add_member("mo", "Moderators", rank=10)
    h.add_member("bob")
    actions = await h.command("mo", "/mute bob 10m being rude")
    assert isinstance(actions[0], TimeoutMember) and actions[0].reason == "being rude"
    undo = actions[1].content.buttons[0]  # type: ignore[attr-defined]
    assert texts(await h.press("mo", undo)) == ["undone for bob"]
    assert texts(await h.advance(minutes=11)) == []


async def test_job_runs_once_when_due(h: Harness) -> None:
    h.add_member("mo", "Moderators", rank=10)
    h.add_member("bob")
    await h.command("mo", "/mute bob 10m")
    assert texts(await h.advance(minutes=5)) == []
    assert texts(await h.advance(minutes=6)) == ["unmuted bob late=False"]
    assert texts(await h.advance(minutes=60)) == []


async def test_hierarchy_refuses_equal_rank(h: Harness) -> None:
    h.add_member("mo", "Moderators", rank=10)
    h.add_member("mo2", "Moderators", rank=10)
    assert texts(await h.command("mo", "/mute mo2 10m")) == ["Can't: mo2's highest role is not below yours."]
    assert texts(await h.command("mo", "/mute mo 10m")) == ["Can't: you can't do that to yourself."]


async def test_handler_crash_is_reported_not_silent(h: Harness) -> None:
    reply = texts(await h.command("alice", "/crash"))[0]
    assert reply.startswith("Something went wrong on Steward's side (ref ")
    assert await h.post("alice", "boom") == []  # logged, other handlers unaffected
    assert texts(await h.post("alice", "echo still here")) == ["alice said still here"]


async def test_rate_limit_follows_the_clock_and_answers_every_time(h: Harness) -> None:
    for _ in range(3):
        await h.command("alice", "/count 1")
    assert texts(await h.command("alice", "/count 1")) == [
        "Slow down — you can use 3 commands every 10s. Try again in 10s."]
    await h.clock.advance(timedelta(seconds=4))
    assert texts(await h.command("alice", "/count 1")) == ["Still too fast — try again in 6s."]
    assert texts(await h.command("alice", "/count 1")) == ["Still too fast — try again in 6s."]
    await h.clock.advance(timedelta(seconds=6))  # the window is measured on the injected clock
    assert not texts(await h.command("alice", "/count 1"))[0].startswith(("Slow", "Still"))
    assert not texts(await h.command("bob", "/count 1"))[0].startswith(("Slow", "Still"))  # per member


async def test_duplicate_event_ids_are_dropped(h: Harness) -> None:
    from dataclasses import replace

    first = await h.command("alice", "/count 2")
    assert texts(first) == ["1 2"]
    event = CommandInvoked(platform="memory", scope="acme", event_id="same", occurred_at=h.clock.now(),
                           origin=h.origin("alice"), command="count", raw="1")
    assert len(await h.send(event)) == 1
    assert await h.send(replace(event)) == []


async def test_form_submission_and_stale_button(h: Harness) -> None:
    assert texts(await h.submit("alice", "demo:survey", {"colour": "blue"})) == ["thanks, blue"]
    stale = Button("Old", "demo:gone", "x")
    assert texts(await h.press("alice", stale)) == ["That button or form is no longer active here."]


async def test_unsupported_action_is_reported_to_modlog(db_url: str) -> None:
    caps = set(Capability) - {Capability.TIMEOUT}
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"demo": DemoCog}, capabilities=caps)
    try:
        h.add_member("mo", "Moderators", rank=10)
        h.add_member("bob")
        notes = texts(await h.command("mo", "/mute bob 10m"))
        assert any("does not let Steward timeout" in n for n in notes)
    finally:
        await h.close()


async def test_a_middleware_declaring_the_events_it_acts_on_sees_only_those(h: Harness) -> None:
    seen: list[str] = []

    class Commands:
        only = (CommandInvoked,)

        async def __call__(self, d, nxt) -> None:  # type: ignore[no-untyped-def]
            seen.append(type(d.event).__name__)
            await nxt(d)

    async def everything(d, nxt) -> None:  # type: ignore[no-untyped-def]
        seen.append("all:" + type(d.event).__name__)
        await nxt(d)

    dispatcher = h.runtime.dispatcher
    dispatcher.middleware.extend([Commands(), everything])  # a changed list: the chains are built again
    assert texts(await h.post("alice", "echo hi")) == ["alice said hi"]
    assert texts(await h.command("alice", "/count 2")) == ["1 2"]
    assert seen == ["all:MessagePosted", "CommandInvoked", "all:CommandInvoked"]
    # the core's own: a plain message passes no permission look-up or command limit, a command does both
    messages = [mw for mw in dispatcher.middleware if only_for(mw) is not None]
    assert len(messages) == 3 and all(not issubclass(MessagePosted, only_for(mw) or ()) for mw in messages)
