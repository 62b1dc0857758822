"""A small stand-in for the moderation cog, so the adapter contract can be tested on its own.

Swap it for the real cog (same config shape in ``conftest``) to turn these into integration tests.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.actions import Action, DeleteMessage, OpenForm, RemoveTimeout, Reply, SendMessage, TimeoutMember
from bot.cog import Cog, button, command, form, on
from bot.commands import Param, ParamType
from bot.components import Button, Form, FormField
from bot.config.types import Duration, StrictModel
from bot.content import Mention, UserText, fmt, text
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MemberUpdated,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
)
from bot.permissions import Level
from bot.refs import UserRef


class DemoSettings(StrictModel):
    banned: list[str] = ["badword"]
    timeout: Duration = timedelta(minutes=10)


class DemoCog(Cog):
    name = "demo"
    settings_model = DemoSettings

    def __init__(self, ctx: object) -> None:
        super().__init__(ctx)  # type: ignore[arg-type]
        self.hits: list[MessagePosted | MessageEdited] = []
        self.cases: list[tuple[str, str, str | None]] = []
        self.joins: list[MemberJoined] = []
        self.undone: list[str] = []
        self.forms: list[dict[str, str]] = []
        self.seen: list[Event] = []

    @on(MessagePosted, MessageEdited, priority=-100)
    async def banned_word(self, event: MessagePosted | MessageEdited) -> list[Action] | None:
        if not any(word in event.text.lower() for word in self.settings.banned):
            return None
        self.hits.append(event)
        actions: list[Action] = [
            DeleteMessage(message=event.message, reason="banned word"),
            TimeoutMember(scope=event.scope, user=event.author, until=self.ctx.now() + self.settings.timeout,
                          reason="banned word"),
        ]
        modlog = self.ctx.community.channel("modlog", event.platform)
        if modlog is not None:
            content = fmt("{who} was timed out for a banned word: {said}",
                          who=Mention(event.author, event.author_name), said=UserText(event.text))
            actions.append(SendMessage(channel=modlog, content=content.with_buttons(
                Button("Undo", self.action_id("undo"), value=event.author.id, style="danger"))))
        return actions

    @on(MemberJoined)
    async def joined(self, event: MemberJoined) -> None:
        self.joins.append(event)

    @on(ReactionAdded, MemberLeft, MemberUpdated, MessageDeleted)
    async def observed(self, event: Event) -> None:
        self.seen.append(event)

    @button("undo")
    async def undo(self, event: ButtonPressed) -> list[Action]:
        self.undone.append(event.value)
        return [RemoveTimeout(scope=event.scope, user=UserRef(event.platform, event.value), reason="undo"),
                Reply(origin=event.origin, content=text("Timeout lifted."))]

    @command("warn", "Warn a member", level=Level.MODERATOR, aliases=["caution"],
             params=[Param("member", ParamType.MEMBER, "who to warn"),
                     Param("reason", ParamType.TEXT, "why", required=False)])
    async def warn(self, event: CommandInvoked, member: UserRef, reason: str | None) -> Action:
        refusal = await self.ctx.hierarchy_refusal(event.user, member)
        if refusal is not None:
            return Reply(origin=event.origin, content=text(f"Can't warn: {refusal}"))
        self.cases.append(("warn", member.id, reason))
        return Reply(origin=event.origin, content=fmt("Warned {who} (case {n}).", who=Mention(member, member.id),
                                                      n=len(self.cases)), ephemeral=False)

    @command("mute", "Time a member out", level=Level.MODERATOR,
             params=[Param("member", ParamType.MEMBER), Param("duration", ParamType.DURATION)])
    async def mute(self, event: CommandInvoked, member: UserRef, duration: timedelta) -> Action:
        refusal = await self.ctx.hierarchy_refusal(event.user, member)
        if refusal is not None:
            return Reply(origin=event.origin, content=text(f"Can't mute: {refusal}"))
        [result] = await self.ctx.perform(TimeoutMember(scope=event.scope, user=member,
                                                        until=self.ctx.now() + duration))
        return Reply(origin=event.origin, content=text("Muted." if result.ok else f"Not muted: {result.error}"))

    @command("slow", "A command whose handler is slow")
    async def slow(self, event: CommandInvoked) -> Action:
        await asyncio.sleep(0.4)
        return Reply(origin=event.origin, content=text("Finally."), ephemeral=False)

    @command("feedback", "Send feedback")
    async def feedback(self, event: CommandInvoked) -> Action:
        return OpenForm(origin=event.origin, form=self.declared_form("feedback", "Feedback"))

    @command("survey", "A form with more fields than a Discord modal holds")
    async def survey(self, event: CommandInvoked) -> Action:
        fields = tuple(FormField(f"q{i}", f"Question {i}") for i in range(1, 7))
        return OpenForm(origin=event.origin, form=Form(self.action_id("survey"), "Survey", fields))

    @command("reload-demo", "An admin-only command", level=Level.ADMIN)
    async def reload_demo(self, event: CommandInvoked) -> Action:
        return Reply(origin=event.origin, content=text("Reloaded."))

    @form("feedback", fields=(FormField("topic", "Topic", max_length=40),
                              FormField("body", "Tell us more", kind="paragraph")))
    async def feedback_sent(self, event: FormSubmitted) -> Action:
        self.forms.append(event.fields)
        return Reply(origin=event.origin, content=text("Thanks!"))
