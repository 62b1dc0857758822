"""A small cog standing in for moderation while it is written elsewhere.

It exercises what the Slack adapter must carry: a banned-word rule (delete, or the fallback
when Slack won't let Steward delete) with a mod-log post and an Undo button; a member
command answered privately; a moderator command with a member argument; joins and
reactions recorded; an appeal form opened by a button and handled on submit; home sections.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel

from bot.actions import (
    Action,
    DeleteMessage,
    OpenForm,
    Reply,
    SendDirect,
    SendMessage,
    ShowOnHome,
)
from bot.capabilities import Capability
from bot.cog import Cog, button, command, form, on
from bot.commands import Param, ParamType
from bot.components import Button, Form, FormField
from bot.content import Content, Mention, UserText, fmt, text
from bot.events import (
    AccountDeleted,
    ButtonPressed,
    CommandInvoked,
    Event,
    FormCancelled,
    FormSubmitted,
    HomeOpened,
    MemberJoined,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
)
from bot.permissions import Level
from bot.refs import UserRef

GATE = asyncio.Event()  # set by default; a test clears it to hold a command's work back
GATE.set()

APPEAL = Form("demo:appeal", "Appeal", (
    FormField("reason", "Why should we undo this?", kind="paragraph"),
    FormField("contact", "How can we reach you?", required=False),
), intro="A moderator will read this.")


class DemoSettings(BaseModel):
    """Words the demo rule removes."""

    banned: list[str] = ["badword"]


class DemoCog(Cog):
    """Records what reached it; answers like moderation would."""

    name = "demo"
    settings_model = DemoSettings

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.seen: list[Event] = []

    @on(MessagePosted, MessageEdited, priority=-100)
    async def rule(self, event: MessagePosted | MessageEdited) -> list[Action] | None:
        """Delete messages with a banned word, or take the fallback, and log with Undo."""
        self.seen.append(event)
        if not any(w in event.text.lower() for w in self.settings.banned):
            return None
        p = event.platform
        deleted = self.ctx.can(p, Capability.DELETE)
        what = "Deleted" if deleted else "Could not delete (asked the author to remove it)"
        log = fmt("{what} a message by {who} in {where}: {said}", what=what,
                  who=Mention(event.author, event.author_name or event.author.id),
                  where=Mention(event.channel, event.channel_name or event.channel.id), said=UserText(event.text))
        log = log.with_buttons(Button("Undo", "demo:undo", event.author.id, style="danger"),
                               Button("Appeal", "demo:appeal", event.author.id))
        actions: list[Action] = []
        if deleted:
            actions.append(DeleteMessage(message=event.message, reason="banned word"))
        else:
            actions.append(SendDirect(user=event.author, scope=event.scope, content=text(
                "Your message contains a word this community doesn't allow; please edit or delete it.")))
        channel = self.ctx.community.channel("modlog", p)
        if channel is not None:
            actions.append(SendMessage(channel=channel, content=log))
        return actions

    @on(MemberJoined, ReactionAdded, AccountDeleted)
    async def record(self, event: Event) -> None:
        """Joins and reactions are only recorded."""
        self.seen.append(event)

    @command("ping", "Answer privately.", params=(Param("words", ParamType.TEXT, required=False),))
    async def ping(self, event: CommandInvoked, words: str | None) -> Reply:
        """Echo the words back, escaped; a test may hold the answer back with ``GATE``."""
        self.seen.append(event)
        await GATE.wait()
        return Reply(origin=event.origin, content=fmt("pong {w}", w=UserText(words or "")))

    @command("warn", "Warn a member.", level=Level.MODERATOR,
             params=(Param("member", ParamType.MEMBER), Param("reason", ParamType.TEXT, required=False)))
    async def warn(self, event: CommandInvoked, member: UserRef, reason: str | None) -> Reply:
        """Say who was warned (the member is resolved from a mention or a name)."""
        self.seen.append(event)
        return Reply(origin=event.origin, content=fmt("warned {m} for {r}", m=Mention(member, member.id),
                                                     r=UserText(reason or "no reason")))

    @button("undo")
    async def undo(self, event: ButtonPressed) -> Reply:
        """The mod-log Undo."""
        self.seen.append(event)
        return Reply(origin=event.origin, content=text(f"Undone for {event.value}."))

    @button("appeal")
    async def appeal(self, event: ButtonPressed) -> OpenForm:
        """Open the appeal form."""
        self.seen.append(event)
        return OpenForm(origin=event.origin, form=APPEAL)

    @form("appeal")
    async def appeal_sent(self, event: FormSubmitted | FormCancelled) -> list[Action]:
        """Thank the member and post the appeal to the mod log (a closed form is only recorded)."""
        self.seen.append(event)
        if isinstance(event, FormCancelled):
            return []
        actions: list[Action] = [Reply(origin=event.origin, content=text("Thanks, your appeal was sent."))]
        channel = self.ctx.community.channel("modlog", event.platform)
        if channel is not None:
            actions.append(SendMessage(channel=channel, content=fmt(
                "Appeal from {who}: {why}", who=Mention(event.user, event.user.id),
                why=UserText(event.fields.get("reason", "")))))
        return actions

    @on(HomeOpened)
    async def home(self, event: HomeOpened) -> list[ShowOnHome]:
        """What events, feedback and onboarding would show."""
        self.seen.append(event)
        return [ShowOnHome(scope=event.scope, user=event.user, section=title, order=i,
                           content=Content((body,)))
                for i, (title, body) in enumerate((("Your events", "Meetup on Friday (you're going)."),
                                                   ("Your feedback", "Dark mode: 12 votes, planned."),
                                                   ("Onboarding checklist", "✅ Rules  ⬜ Introduce yourself")))]
