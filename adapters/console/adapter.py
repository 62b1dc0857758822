"""Console adapter: the grammar newcomers, scripts and tests type.

    NAME: TEXT              member NAME posts TEXT in the current channel (a new name joins first)
    NAME: /command args     NAME invokes a command
    NAME: press m12 2       NAME presses the 2nd button (or option) of message m12
    NAME: react m12 👍      NAME reacts
    NAME: value / cancel    answers the next field of NAME's open form, or closes it
    #channel  +NAME  -NAME  switch channel, a member joins, a member leaves
    :role NAME ROLE  :time +2h  :quit
"""

from __future__ import annotations

import asyncio
import itertools
import re
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, TextIO

from adapters.console.render import escape, render
from adapters.console.settings import ConsoleSettings
from adapters.console.world import ConsoleMember, ConsoleMessage, OpenFormState
from bot.actions import (
    Action,
    ActionResult,
    AddReaction,
    AddRole,
    BanMember,
    BulkDelete,
    DeleteMessage,
    EditMessage,
    KickMember,
    LockChannel,
    OpenForm,
    RemoveRole,
    RemoveTimeout,
    Reply,
    SendDirect,
    SendMessage,
    SetSlowmode,
    TimeoutMember,
    UnbanMember,
)
from bot.adapter import EventSink
from bot.capabilities import Capability
from bot.clock import Clock, ManualClock
from bot.commands import CommandSpec
from bot.config.models import CommunityConfig
from bot.content import Content
from bot.durations import DurationError, format_duration, parse_duration
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    FormCancelled,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    Origin,
    ReactionAdded,
)
from bot.refs import ChannelRef, MemberInfo, MessageRef, RoleRef, UserRef

P = "console"
_LINE = re.compile(r"^([A-Za-z0-9_.-]{1,32}):\s?(.*)$")


class ConsoleAdapter:
    """Reads the grammar from a stream, prints what happens, performs every action in memory."""

    platform = P
    capabilities = frozenset(Capability) - {Capability.SCHEDULED_EVENTS, Capability.HOME}

    def __init__(self, community: CommunityConfig, clock: Clock, *, settings: ConsoleSettings | None = None,
                 stdin: TextIO | None = None, out: Callable[[str], None] | None = None,
                 interactive: bool | None = None) -> None:
        self.settings = settings or ConsoleSettings()
        self.community = community
        self.scope = community.name
        self.clock = clock
        self.stdin = stdin or sys.stdin
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self.out = out or (lambda line: print(line, flush=True))
        self.bot_user = UserRef(P, self.settings.bot_name)
        self.members: dict[str, ConsoleMember] = {}
        self.banned: set[str] = set()
        self.messages: dict[str, ConsoleMessage] = {}
        self.forms: dict[str, OpenFormState] = {}
        self.channels: set[str] = {"#general", *community.channels.values()}
        self.current = "#general" if "#general" in self.channels else sorted(self.channels)[0]
        self.locked: set[str] = set()
        self._ids = itertools.count(1)
        self._events = itertools.count(1)
        self._sink: EventSink | None = None
        self._reader: asyncio.Task[None] | None = None
        self.done = asyncio.Event()
        self._role_rank = {name: 20 for name in community.roles.get("admin", [])}
        for name in community.roles.get("moderator", []):
            self._role_rank.setdefault(name, 10)

    # -- adapter protocol -------------------------------------------------------------------

    def scope_of(self, community: CommunityConfig) -> str | None:
        """The console serves the one community it was started for; its name is the scope."""
        return community.name if community.name == self.scope else None

    async def start(self, sink: EventSink) -> None:
        self._sink = sink

    def run_input(self) -> None:
        """Start reading the input stream (after the runtime is fully started)."""
        self._reader = asyncio.create_task(self._read_loop())

    async def stop(self) -> None:
        if self._reader is not None and not self._reader.done():
            self._reader.cancel()

    async def register_commands(self, scope: str, commands: Sequence[CommandSpec]) -> None:
        return None

    async def member(self, scope: str, user: UserRef) -> MemberInfo | None:
        if user == self.bot_user:
            return await self.bot_member(scope)
        m = self.members.get(user.id)
        if m is None or not m.present:
            return None
        return MemberInfo(user=user, name=m.name, display_name=m.name,
                          roles=frozenset(RoleRef(P, r) for r in m.roles),
                          rank=max((self._role_rank.get(r, 1) for r in m.roles), default=0),
                          is_admin=False, joined_at=m.joined_at, created_at=m.joined_at,
                          timed_out_until=m.timed_out_until)

    async def bot_member(self, scope: str) -> MemberInfo | None:
        return MemberInfo(user=self.bot_user, name=self.bot_user.id, rank=1000, is_bot=True)

    async def resolve_channel(self, scope: str, name: str) -> ChannelRef | None:
        name = name if name.startswith("#") else f"#{name}"
        return ChannelRef(P, name[1:]) if name in self.channels else None

    async def resolve_role(self, scope: str, name: str) -> RoleRef | None:
        name = name.lstrip("@")
        known = set(self._role_rank) | {r for names in self.community.roles.values() for r in names}
        for role in known:
            if role.lower() == name.lower():
                return RoleRef(P, role)
        return None

    async def resolve_member(self, scope: str, text: str) -> UserRef | None:
        name = text.strip().lstrip("@")
        for m in self.members.values():
            if m.name.lower() == name.lower():
                return UserRef(P, m.name)
        if name in self.banned:
            return UserRef(P, name)
        return None

    async def perform(self, action: Action) -> ActionResult:
        reason = f" ({action.reason})" if action.reason else ""
        match action:
            case SendMessage(channel=channel, content=content):
                return ActionResult.success(action, self._post(f"#{channel.id}" if not channel.id.startswith("dm:")
                                                               else channel.id, self.bot_user.id, content))
            case Reply(origin=origin, content=content, ephemeral=ephemeral):
                where = f"#{origin.channel.id}" if origin.channel and not origin.channel.id.startswith("dm:") \
                    else f"dm:{origin.user.id}"
                to = origin.user.id if ephemeral and not where.startswith("dm:") else None
                return ActionResult.success(action, self._post(where, self.bot_user.id, content, to=to))
            case SendDirect(user=user, content=content):
                return ActionResult.success(action, self._post(f"dm:{user.id}", self.bot_user.id, content))
            case EditMessage(message=message, content=content):
                msg = self.messages.get(message.id)
                if msg is None:
                    return ActionResult.failure(action, "no such message", "not_found")
                msg.text, msg.buttons, msg.select = render(content), content.buttons, content.select
                self._print_message(msg, edited=True)
                return ActionResult.success(action, message)
            case DeleteMessage(message=message):
                return self._delete([message.id], action, reason)
            case BulkDelete(messages=messages):
                return self._delete([m.id for m in messages], action, reason)
            case TimeoutMember(user=user, until=until):
                m = self.members.get(user.id)
                if m is None or not m.present:
                    return ActionResult.failure(action, f"{user.id} is not here", "not_found")
                m.timed_out_until = until
                span = _span(until - self.clock.now())
                self.out(f"[action] timeout {user.id} {span}{reason}")
            case RemoveTimeout(user=user):
                m = self.members.get(user.id)
                if m is not None:
                    m.timed_out_until = None
                self.out(f"[action] untimeout {user.id}{reason}")
            case KickMember(user=user):
                m = self.members.get(user.id)
                if m is None or not m.present:
                    return ActionResult.failure(action, f"{user.id} is not here", "not_found")
                m.present, m.roles = False, set()
                self.out(f"[action] kick {user.id}{reason}")
            case BanMember(user=user):
                self.banned.add(user.id)
                m = self.members.get(user.id)
                if m is not None:
                    m.present, m.roles = False, set()
                self.out(f"[action] ban {user.id}{reason}")
            case UnbanMember(user=user):
                if user.id not in self.banned:
                    return ActionResult.failure(action, f"{user.id} is not banned", "not_found")
                self.banned.discard(user.id)
                self.out(f"[action] unban {user.id}{reason}")
            case AddRole(user=user, role=role) | RemoveRole(user=user, role=role):
                m = self.members.get(user.id)
                if m is None:
                    return ActionResult.failure(action, f"{user.id} is not here", "not_found")
                adding = isinstance(action, AddRole)
                (m.roles.add if adding else m.roles.discard)(role.id)
                self.out(f"[action] role {'+' if adding else '-'}{role.id} {user.id}{reason}")
            case AddReaction(message=message, emoji=emoji):
                self.out(f"[action] react {message.id} {emoji}")
            case SetSlowmode(channel=channel, seconds=seconds):
                span = format_duration(timedelta(seconds=seconds)) if seconds else "off"
                self.out(f"[action] slowmode #{channel.id} {span}{reason}")
            case LockChannel(channel=channel, locked=locked):
                (self.locked.add if locked else self.locked.discard)(f"#{channel.id}")
                self.out(f"[action] {'lock' if locked else 'unlock'} #{channel.id}{reason}")
            case OpenForm(origin=origin, form=form):
                where = f"#{origin.channel.id}" if origin.channel and not origin.channel.id.startswith("dm:") \
                    else f"dm:{origin.user.id}"
                state = OpenFormState(form.action, form.value, form.title,
                                      [(f.name, f.label, f.required) for f in form.fields], where)
                self.forms[origin.user.id] = state
                intro = f" — {escape(form.intro)}" if form.intro else ""
                self.out(f"[form] {form.title} for {origin.user.id}{intro} "
                         f"(answer each field as `{origin.user.id}: ...`, or `{origin.user.id}: cancel`)")
                self._prompt(origin.user.id, state)
            case _:
                return ActionResult.failure(action, "the console can't do that", "unsupported")
        return ActionResult.success(action)

    # -- output -----------------------------------------------------------------------------

    def _post(self, where: str, author: str, content: Content, *, to: str | None = None) -> MessageRef:
        msg = ConsoleMessage(f"m{next(self._ids)}", where, author, render(content), content.buttons,
                             content.select)
        self.messages[msg.id] = msg
        self._print_message(msg, to=to)
        return MessageRef(P, where.lstrip("#"), msg.id)

    def _print_message(self, msg: ConsoleMessage, *, to: str | None = None, edited: bool = False) -> None:
        where = msg.channel
        who = f"{msg.author} → {to}" if to else msg.author
        tag = f"{msg.id} edited" if edited else msg.id
        self.out(f"({tag}) [{where}] {who}: {msg.text}")
        choices = [b.label for b in msg.buttons] or ([o.label for o in msg.select.options] if msg.select else [])
        if choices:
            self.out("  " + "  ".join(f"[{i}] {label}" for i, label in enumerate(choices, 1)))

    def _delete(self, ids: list[str], action: Action, reason: str) -> ActionResult:
        missing = [i for i in ids if i not in self.messages or self.messages[i].deleted]
        for i in ids:
            if i in self.messages:
                self.messages[i].deleted = True
        gone = [i for i in ids if i not in missing]
        if gone:
            self.out(f"[action] delete {', '.join(gone)}{reason}")
        if missing and not gone:
            return ActionResult.failure(action, "already deleted", "not_found")
        return ActionResult.success(action)

    def _prompt(self, user: str, state: OpenFormState) -> None:
        _name, label, required = state.fields[state.index]
        optional = "" if required else " (optional: `-` to skip)"
        self.out(f"[form] {state.index + 1}/{len(state.fields)} {label}{optional}")

    # -- input ------------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                line = await loop.run_in_executor(None, self.stdin.readline)
                if not line:
                    break
                if not await self.feed(line.rstrip("\n")):
                    break
        finally:
            for name, state in self.forms.items():
                self.out(f"[form] {state.title} for {name} was left unfinished "
                         f"({state.index} of {len(state.fields)} answered); nothing was sent")
            self.done.set()

    async def feed(self, line: str) -> bool:
        """Handle one typed line; False on ``:quit``."""
        line = line.strip()
        if not line or line.startswith("//"):
            return True
        if line == ":quit":
            return False
        if line.startswith(":"):
            await self._meta(line)
        elif line.startswith("#"):
            name = line.split()[0]
            if name not in self.channels:
                self.channels.add(name)
                self.out(f"[console] created {name}")
            self.current = name
        elif line.startswith("+"):
            await self._join(line[1:].strip(), announce=True)
        elif line.startswith("-"):
            await self._leave(line[1:].strip())
        else:
            match = _LINE.match(line)
            if match is None:
                self.out("[console] didn't understand that. Try `alice: hello`, `#general`, `+bob`, "
                         "`:role bob Moderators`, `:time +2h` or `:quit`.")
                return True
            await self._member_line(match.group(1), match.group(2).strip())
        return True

    async def _meta(self, line: str) -> None:
        parts = line.split()
        if parts[0] == ":role" and len(parts) >= 3:
            name, role = parts[1], " ".join(parts[2:])
            member = await self._join(name, announce=False)
            ref = await self.resolve_role(self.scope, role)
            if ref is None:
                self.out(f"[console] no role {role!r}; configured roles: {', '.join(sorted(self._known_roles()))}")
                return
            member.roles.add(ref.id)
            self.out(f"[console] {name} now has role {ref.id}")
        elif parts[0] == ":time" and len(parts) == 2:
            try:
                delta = parse_duration(parts[1].lstrip("+"))
            except DurationError as exc:
                self.out(f"[console] {exc}")
                return
            if not isinstance(self.clock, ManualClock):
                self.out("[console] this clock can't be moved")
                return
            self.out(f"[console] time moves forward {format_duration(delta)}")
            await self.clock.advance(delta)
        else:
            self.out("[console] meta commands: `:role NAME ROLE`, `:time +2h`, `:quit`")

    def _known_roles(self) -> set[str]:
        return {r for names in self.community.roles.values() for r in names}

    async def _join(self, name: str, *, announce: bool) -> ConsoleMember:
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,32}", name):
            raise ValueError(name)
        member = self.members.get(name)
        if member is not None and member.present:
            return member
        if member is None:
            member = self.members[name] = ConsoleMember(name, self.clock.now())
        member.present, member.joined_at = True, self.clock.now()
        if announce:
            self.out(f"[console] {name} joined")
        await self._emit(MemberJoined(**self._base(), member=UserRef(P, name), name=name, display_name=name,
                                      account_created_at=member.joined_at))
        return member

    async def _leave(self, name: str) -> None:
        member = self.members.get(name)
        if member is None or not member.present:
            self.out(f"[console] {name} is not here")
            return
        member.present = False
        self.out(f"[console] {name} left")
        await self._emit(MemberLeft(**self._base(), member=UserRef(P, name), name=name))

    async def _member_line(self, name: str, body: str) -> None:
        if name == self.bot_user.id:
            self.out(f"[console] {name} is Steward's own name")
            return
        banned = name in self.banned
        if banned and not self._reaches_steward_privately(name, body):
            # as on Discord and Slack: out of the server, but Steward's DM (and its Appeal button) still works
            self.out(f"[blocked] {name} is banned; they can still answer Steward's DM (`/appeal`, or press its "
                     "Appeal button)")
            return
        if name in self.forms and not body.startswith("/"):
            await self._answer_form(name, body)
            return
        if banned:
            await self._private(name, body)
            return
        member = await self._join(name, announce=True) if name not in self.members or \
            not self.members[name].present else self.members[name]
        user = UserRef(P, name)
        channel = ChannelRef(P, self.current[1:])
        origin = Origin(platform=P, scope=self.scope, user=user, channel=channel)
        if body.startswith("/"):
            command, _, raw = body[1:].partition(" ")
            await self._emit(CommandInvoked(**self._base(), origin=origin, command=command.lower(), raw=raw))
            return
        parts = body.split()
        if len(parts) >= 2 and parts[0] in ("press", "react") and re.fullmatch(r"m\d+", parts[1]):
            await self._interact(parts, origin)
            return
        if member.timed_out_until is not None and member.timed_out_until > self.clock.now():
            left = _span(member.timed_out_until - self.clock.now())
            self.out(f"[blocked] {name} is timed out for {left} more")
            return
        if self.current in self.locked and not member.roles & set(self._role_rank):
            self.out(f"[blocked] {self.current} is locked")
            return
        msg = ConsoleMessage(f"m{next(self._ids)}", self.current, name, body)
        self.messages[msg.id] = msg
        self._print_message(msg)
        mentions = tuple(UserRef(P, m) for m in re.findall(r"@([A-Za-z0-9_.-]+)", body) if m in self.members)
        await self._emit(MessagePosted(
            **self._base(), message=MessageRef(P, self.current[1:], msg.id), author=user, author_name=name,
            text=body, channel_name=self.current, mentions=mentions,
            mentions_everyone=bool(re.search(r"@(everyone|here)\b", body))))

    def _reaches_steward_privately(self, name: str, body: str) -> bool:
        """A banned member's line that goes to Steward alone: a form answer, /appeal, a press in their DM."""
        if name in self.forms or body.split(" ", 1)[0].lower() == "/appeal":
            return True
        parts = body.split()
        msg = self.messages.get(parts[1]) if len(parts) >= 2 and parts[0] == "press" else None
        return msg is not None and msg.channel == f"dm:{name}"

    async def _private(self, name: str, body: str) -> None:
        """What a banned member may still do, answered in their DM."""
        origin = Origin(platform=P, scope=self.scope, user=UserRef(P, name), channel=ChannelRef(P, f"dm:{name}"))
        if body.startswith("/"):
            command, _, raw = body[1:].partition(" ")
            await self._emit(CommandInvoked(**self._base(), origin=origin, command=command.lower(), raw=raw))
        else:
            await self._interact(body.split(), origin)

    async def _interact(self, parts: list[str], origin: Origin) -> None:
        msg = self.messages.get(parts[1])
        if msg is None or msg.deleted:
            self.out(f"[console] no message {parts[1]}")
            return
        ref = MessageRef(P, msg.channel.lstrip("#"), msg.id)
        if parts[0] == "react":
            emoji = parts[2] if len(parts) > 2 else "👍"
            await self._emit(ReactionAdded(**self._base(), message=ref, user=origin.user, emoji=emoji))
            return
        try:
            index = int(parts[2]) if len(parts) > 2 else 1
        except ValueError:
            self.out("[console] press takes a button number, e.g. `press m12 2`")
            return
        # a press answers where the message is: in the channel, or in the DM it was sent to
        origin = Origin(platform=P, scope=self.scope, user=origin.user, channel=ref.channel, message=ref)
        if msg.buttons:
            if not 1 <= index <= len(msg.buttons):
                self.out(f"[console] {msg.id} has buttons 1 to {len(msg.buttons)}")
                return
            b = msg.buttons[index - 1]
            await self._emit(ButtonPressed(**self._base(), origin=origin, action=b.action, value=b.value))
        elif msg.select is not None:
            if not 1 <= index <= len(msg.select.options):
                self.out(f"[console] {msg.id} has options 1 to {len(msg.select.options)}")
                return
            s = msg.select
            await self._emit(ButtonPressed(**self._base(), origin=origin, action=s.action, value=s.value,
                                           values=(s.options[index - 1].value,)))
        else:
            self.out(f"[console] {msg.id} has no buttons")

    async def _answer_form(self, name: str, body: str) -> None:
        state = self.forms[name]
        origin = Origin(platform=P, scope=self.scope, user=UserRef(P, name),
                        channel=None if state.channel.startswith("dm:") else ChannelRef(P, state.channel[1:]))
        if body.lower() == "cancel":
            del self.forms[name]
            self.out(f"[form] {state.title} cancelled; nothing was sent")
            await self._emit(FormCancelled(**self._base(), origin=origin, action=state.action, value=state.value))
            return
        field_name, label, required = state.fields[state.index]
        if body == "-" and not required:
            body = ""
        elif not body:
            self.out(f"[form] {label} is required — type an answer or `{name}: cancel`")
            return
        state.answers[field_name] = body
        if state.index < len(state.fields):
            self._prompt(name, state)
            return
        del self.forms[name]
        self.out(f"[form] {state.title} sent")
        await self._emit(FormSubmitted(**self._base(), origin=origin, action=state.action, value=state.value,
                                       fields=dict(state.answers)))

    def _base(self) -> dict[str, Any]:
        return {"platform": P, "scope": self.scope, "event_id": f"c{next(self._events)}",
                "occurred_at": self.clock.now()}

    async def _emit(self, event: object) -> None:
        if self._sink is not None:
            await self._sink(event)  # type: ignore[arg-type]


def _span(delta: timedelta) -> str:
    """A remaining time rounded to whole seconds (the console clock may follow real time)."""
    return format_duration(timedelta(seconds=round(delta.total_seconds())))
