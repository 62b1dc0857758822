"""The console adapter in-process: buttons, selects, forms, reactions, DMs, timeouts, locks."""

from __future__ import annotations

import io
from datetime import timedelta

from adapters.console import ConsoleAdapter
from bot.actions import Action, LockChannel, OpenForm, Reply, SendDirect, SendMessage, TimeoutMember
from bot.clock import ManualClock
from bot.cog import Cog, button, command, form, job, on
from bot.commands import Param, ParamType
from bot.components import Button, FormField, Select, SelectOption
from bot.config import load_config_text
from bot.content import text
from bot.events import ButtonPressed, CommandInvoked, FormCancelled, FormSubmitted, ReactionAdded
from bot.permissions import Level
from bot.refs import UserRef
from bot.runtime import Runtime
from bot.scheduler import JobRun

CONFIG = """
communities:
  - name: acme
    roles: {moderator: [Moderators], admin: [Admins]}
    channels: {modlog: "#mod-log", general: "#general", events: "#events"}
    demo: {}
"""


class Demo(Cog):
    name = "demo"

    @command("rsvp", "Post an RSVP message.")
    async def rsvp(self, event: CommandInvoked) -> Action:
        return SendMessage(channel=event.origin.channel, content=text("Party at 6?").with_buttons(  # type: ignore[arg-type]
            Button("Going", self.action_id("rsvp"), "yes"), Button("Maybe", self.action_id("rsvp"), "maybe")))

    @command("pick", "Post a select.")
    async def pick(self, event: CommandInvoked) -> Action:
        content = text("Pick a topic")
        select = Select(self.action_id("topic"), (SelectOption("Python", "py"), SelectOption("Rust", "rs")))
        from bot.content import Content

        return SendMessage(channel=event.origin.channel,  # type: ignore[arg-type]
                           content=Content(content.segments, select=select))

    @command("survey", "Open a form.")
    async def survey(self, event: CommandInvoked) -> Action:
        return OpenForm(origin=event.origin, form=self.declared_form("survey", "Survey"))

    @command("mute", "Mute.", level=Level.MODERATOR,
             params=[Param("member", ParamType.MEMBER), Param("duration", ParamType.DURATION)])
    async def mute(self, event: CommandInvoked, member: UserRef, duration: timedelta) -> list[Action]:
        until = self.ctx.now() + duration
        await self.ctx.schedule("unmuted", until, {"user": member.id})
        return [TimeoutMember(scope=event.scope, user=member, until=until, reason="test"),
                SendDirect(user=member, content=text(f"You are muted for {duration}.")),
                LockChannel(channel=event.origin.channel, reason="calm down")]  # type: ignore[arg-type]

    @button("rsvp")
    async def on_rsvp(self, event: ButtonPressed) -> Action:
        return Reply(origin=event.origin, content=text(f"{event.user.id} said {event.value}"), ephemeral=False)

    @button("topic")
    async def on_topic(self, event: ButtonPressed) -> Action:
        return Reply(origin=event.origin, content=text(f"topic {event.values[0]}"))

    @form("survey", fields=(FormField("colour", "Favourite colour", max_length=12),
                            FormField("notes", "Anything else?", required=False)))
    async def on_survey(self, event: FormSubmitted | FormCancelled) -> Action | None:
        if isinstance(event, FormCancelled):
            return None
        return Reply(origin=event.origin, content=text(f"colour={event.fields['colour']} "
                                                       f"notes={event.fields['notes']!r}"))

    @on(ReactionAdded)
    async def reacted(self, event: ReactionAdded) -> Action:
        return SendMessage(channel=event.message.channel, content=text(f"{event.user.id} reacted {event.emoji}"))

    @job("unmuted")
    async def unmuted(self, run: JobRun) -> None:
        await self.ctx.modlog(text(f"{run.payload['user']} may talk again"))


async def session(lines: str, sqlite_url: str) -> list[str]:
    config = load_config_text(CONFIG.replace("communities:", f"storage: {{url: '{sqlite_url}'}}\ncommunities:"),
                              cogs={"demo": Demo.settings_model}, env={})
    out: list[str] = []
    clock = ManualClock()
    adapter = ConsoleAdapter(config.communities[0], clock, stdin=io.StringIO(lines), out=out.append,
                             interactive=False)
    runtime = Runtime(config, cogs={"demo": Demo}, adapters=[adapter], clock=clock)
    await runtime.start()
    adapter.run_input()
    await adapter.done.wait()
    await runtime.stop()
    return out


async def test_buttons_selects_reactions(sqlite_url: str) -> None:
    out = await session("alice: /rsvp\nbob: press m1 1\ncarol: press m1 2\ncarol: press m1 3\n"
                        "alice: /pick\nbob: press m4 2\nbob: react m1 🎉\nbob: press m99 1\n", sqlite_url)
    joined = "\n".join(out)
    assert "(m1) [#general] steward: Party at 6?" in out
    assert "  [1] Going  [2] Maybe" in out
    assert "steward: bob said yes" in joined and "steward: carol said maybe" in joined
    assert any(line.startswith("[console] m1 has buttons 1 to 2") for line in out)
    assert "  [1] Python  [2] Rust" in out
    assert "steward → bob: topic rs" in joined
    assert "steward: bob reacted 🎉" in joined
    assert "[console] no message m99" in out


async def test_form_answers_cancel_and_required(sqlite_url: str) -> None:
    out = await session("alice: /survey\nalice: \nalice: blue\nalice: -\n"
                        "bob: /survey\nbob: cancel\nbob: back to chatting\n", sqlite_url)
    joined = "\n".join(out)
    assert any(line.startswith("[form] Survey for alice") for line in out)
    assert "[form] 1/2 Favourite colour" in out
    assert "[form] 2/2 Anything else? (optional: `-` to skip)" in out
    assert "steward → alice: colour=blue notes=''" in joined
    assert "[form] Survey cancelled; nothing was sent" in out
    assert "[#general] bob: back to chatting" in joined


async def test_an_answer_over_its_limit_is_refused_per_field_and_given_back(sqlite_url: str) -> None:
    out = await session("alice: /survey\nalice: ultraviolet-ish blue\nalice: -\n", sqlite_url)
    joined = "\n".join(out)
    assert ("steward → alice: Your form wasn't sent — please fix:\n"
            "  • Favourite colour is too long (20 > 12 characters).\n"
            "What you wrote, to copy:\n  Favourite colour: ultraviolet-ish blue") in joined
    assert "colour=" not in joined  # the handler never saw it


async def test_timeout_dm_lock_and_scheduled_end(sqlite_url: str) -> None:
    out = await session(":role mo Moderators\n+bob\nmo: /mute bob 10m\nbob: can I talk?\n"
                        ":time +11m\nbob: back\n", sqlite_url)
    joined = "\n".join(out)
    assert "[action] timeout bob 10m (test)" in out
    assert "[dm:bob] steward: You are muted for 0:10:00." in joined
    assert "[action] lock #general (calm down)" in out
    assert "[blocked] bob is timed out for" in joined
    assert "[#mod-log] steward: bob may talk again" in joined
    assert "[blocked] #general is locked" in joined  # bob has no moderator role; the lock holds


async def test_half_filled_form_is_reported_at_the_end(sqlite_url: str) -> None:
    out = await session("alice: /survey\nalice: green\n", sqlite_url)
    assert "[form] Survey for alice was left unfinished (1 of 2 answered); nothing was sent" in out
    assert not any("colour=green" in line for line in out)


async def test_a_press_is_answered_where_the_message_is(sqlite_url: str) -> None:
    out = await session("alice: /rsvp\n#events\nbob: press m1 1\n", sqlite_url)
    # the RSVP message is in #general, so the answer is too, though bob now types in #events
    assert any(line.endswith("[#general] steward: bob said yes") for line in out)
