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
from pathlib import Path, PurePath
from typing import Any, TextIO

from adapters.console.render import escape, render
from adapters.console.settings import ConsoleSettings
from adapters.console.world import ConsoleMember, ConsoleMessage, OpenFormState
from bot.action_table import ActionTable
from bot.actions import (
    Action,
    ActionResult,
    AddReaction,
    AddRole,
    BanMember,
    BulkDelete,
    CreateThread,
    DeleteMessage,
    EditMessage,
    File,
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
from bot.content import Content, UserText
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
        self.threads: dict[str, str] = {}  # root message id -> thread name
        self._ids = itertools.count(1)
        self._events = itertools.count(1)
        self._sink: EventSink | None = None
        self._reader: asyncio.Task[None] | None = None
        self.done = asyncio.Event()
        self.table = self._table()
        self.capabilities = self.table.capabilities()
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
        return await self.table.perform(action)

    # -- one handler per action -------------------------------------------------------------

    def _table(self) -> ActionTable:
        table = ActionTable()
        table.add(SendMessage, self._send, also=[Capability.BUTTONS, Capability.FILES])
        table.add(CreateThread, self._thread)
        table.add(Reply, self._reply, also=[Capability.EPHEMERAL])
        table.add(SendDirect, self._direct)
        table.add(EditMessage, self._edit)
        table.add(DeleteMessage, lambda a: self._delete([a.message.id], a))
        table.add(BulkDelete, lambda a: self._delete([m.id for m in a.messages], a))
        table.add(TimeoutMember, self._timeout)
        table.add(RemoveTimeout, self._untimeout)
        table.add(KickMember, self._kick)
        table.add(BanMember, self._ban)
        table.add(UnbanMember, self._unban)
        table.add(AddRole, self._role)
        table.add(RemoveRole, self._role)
        table.add(AddReaction, self._react)
        table.add(SetSlowmode, self._slowmode)
        table.add(LockChannel, self._lock)
        table.add(OpenForm, self._open_form)
        table.receives(Capability.READ_MESSAGES)
        return table

    async def _send(self, action: SendMessage) -> ActionResult:
        channel, thread = action.channel.id, action.thread
        where = f"#{channel}" if not channel.startswith("dm:") else channel
        name = self.threads.get(thread.id, thread.id) if thread is not None else ""
        ref = self._post(where, self.bot_user.id, action.content, thread=name)
        for file in action.files:
            self._write_file(ref.id, file)
        return ActionResult.success(action, ref)

    async def _thread(self, action: CreateThread) -> ActionResult:
        channel, name, root = action.channel, action.name, action.message
        if root is None:
            root = self._post(f"#{channel.id}", self.bot_user.id, Content(("Thread: ", UserText(name))))
        self.threads[root.id] = name
        self.out(f"[thread] {escape(name)} in #{channel.id} (from {root.id})")
        if action.content is not None:
            self._post(f"#{channel.id}", self.bot_user.id, action.content, thread=name)
        return ActionResult.success(action, MessageRef(P, root.channel_id, root.id), ref=root.id)

    async def _reply(self, action: Reply) -> ActionResult:
        where = _where(action.origin)
        to = action.origin.user.id if action.ephemeral and not where.startswith("dm:") else None
        return ActionResult.success(action, self._post(where, self.bot_user.id, action.content, to=to))

    async def _direct(self, action: SendDirect) -> ActionResult:
        return ActionResult.success(action, self._post(f"dm:{action.user.id}", self.bot_user.id, action.content))

    async def _edit(self, action: EditMessage) -> ActionResult:
        msg = self.messages.get(action.message.id)
        if msg is None:
            return ActionResult.failure(action, "no such message", "not_found")
        content = action.content
        msg.text, msg.buttons, msg.select = render(content), content.buttons, content.select
        self._print_message(msg, edited=True)
        return ActionResult.success(action, action.message)

    def _present(self, action: Action, user: UserRef) -> ConsoleMember | ActionResult:
        m = self.members.get(user.id)
        if m is None or not m.present:
            return ActionResult.failure(action, f"{user.id} is not here", "not_found")
        return m

    async def _timeout(self, action: TimeoutMember) -> ActionResult:
        m = self._present(action, action.user)
        if isinstance(m, ActionResult):
            return m
        m.timed_out_until = action.until
        self.out(f"[action] timeout {action.user.id} {_span(action.until - self.clock.now())}{_why(action)}")
        return ActionResult.success(action)

    async def _untimeout(self, action: RemoveTimeout) -> ActionResult:
        m = self.members.get(action.user.id)
        if m is not None:
            m.timed_out_until = None
        self.out(f"[action] untimeout {action.user.id}{_why(action)}")
        return ActionResult.success(action)

    async def _kick(self, action: KickMember) -> ActionResult:
        m = self._present(action, action.user)
        if isinstance(m, ActionResult):
            return m
        m.present, m.roles = False, set()
        self.out(f"[action] kick {action.user.id}{_why(action)}")
        return ActionResult.success(action)

    async def _ban(self, action: BanMember) -> ActionResult:
        self.banned.add(action.user.id)
        m = self.members.get(action.user.id)
        if m is not None:
            m.present, m.roles = False, set()
        self.out(f"[action] ban {action.user.id}{_why(action)}")
        return ActionResult.success(action)

    async def _unban(self, action: UnbanMember) -> ActionResult:
        if action.user.id not in self.banned:
            return ActionResult.failure(action, f"{action.user.id} is not banned", "not_found")
        self.banned.discard(action.user.id)
        self.out(f"[action] unban {action.user.id}{_why(action)}")
        return ActionResult.success(action)

    async def _role(self, action: AddRole | RemoveRole) -> ActionResult:
        m = self.members.get(action.user.id)
        if m is None:
            return ActionResult.failure(action, f"{action.user.id} is not here", "not_found")
        adding = isinstance(action, AddRole)
        (m.roles.add if adding else m.roles.discard)(action.role.id)
        self.out(f"[action] role {'+' if adding else '-'}{action.role.id} {action.user.id}{_why(action)}")
        return ActionResult.success(action)

    async def _react(self, action: AddReaction) -> ActionResult:
        self.out(f"[action] react {action.message.id} {action.emoji}")
        return ActionResult.success(action)

    async def _slowmode(self, action: SetSlowmode) -> ActionResult:
        span = format_duration(timedelta(seconds=action.seconds)) if action.seconds else "off"
        self.out(f"[action] slowmode #{action.channel.id} {span}{_why(action)}")
        return ActionResult.success(action)

    async def _lock(self, action: LockChannel) -> ActionResult:
        (self.locked.add if action.locked else self.locked.discard)(f"#{action.channel.id}")
        self.out(f"[action] {'lock' if action.locked else 'unlock'} #{action.channel.id}{_why(action)}")
        return ActionResult.success(action)

    async def _open_form(self, action: OpenForm) -> ActionResult:
        origin, form = action.origin, action.form
        state = OpenFormState(form.action, form.value, form.title,
                              [(f.name, f.label, f.required) for f in form.fields], _where(origin))
        self.forms[origin.user.id] = state
        intro = f" — {escape(form.intro)}" if form.intro else ""
        self.out(f"[form] {form.title} for {origin.user.id}{intro} "
                 f"(answer each field as `{origin.user.id}: ...`, or `{origin.user.id}: cancel`)")
        self._prompt(origin.user.id, state)
        return ActionResult.success(action)

    # -- output -----------------------------------------------------------------------------

    def _write_file(self, message_id: str, file: File) -> None:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", PurePath(file.name).name).lstrip(".") or "file"
        folder = Path(self.settings.outbox)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{message_id}-{safe}"  # the message id keeps two files of one name apart
        path.write_bytes(file.data)
        self.out(f"[file] {escape(file.label())} → {path}")

    def _post(self, where: str, author: str, content: Content, *, to: str | None = None,
              thread: str = "") -> MessageRef:
        msg = ConsoleMessage(f"m{next(self._ids)}", where, author, render(content), content.buttons,
                             content.select, thread=thread)
        self.messages[msg.id] = msg
        self._print_message(msg, to=to)
        return MessageRef(P, where.lstrip("#"), msg.id)

    def _print_message(self, msg: ConsoleMessage, *, to: str | None = None, edited: bool = False) -> None:
        where = f"{msg.channel} › {escape(msg.thread)}" if msg.thread else msg.channel
        who = f"{msg.author} → {to}" if to else msg.author
        tag = f"{msg.id} edited" if edited else msg.id
        self.out(f"({tag}) [{where}] {who}: {msg.text}")
        choices = [b.label for b in msg.buttons] or ([o.label for o in msg.select.options] if msg.select else [])
        if choices:
            self.out("  " + "  ".join(f"[{i}] {label}" for i, label in enumerate(choices, 1)))

    async def _delete(self, ids: list[str], action: Action) -> ActionResult:
        reason = _why(action)
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


def _why(action: Action) -> str:
    """The action's reason as the console prints it."""
    return f" ({action.reason})" if action.reason else ""


def _where(origin: Origin) -> str:
    """Where an answer to an interaction goes: its channel, or the member's DM."""
    channel = origin.channel
    return f"#{channel.id}" if channel is not None and not channel.id.startswith("dm:") else f"dm:{origin.user.id}"


def _span(delta: timedelta) -> str:
    """A remaining time rounded to whole seconds (the console clock may follow real time)."""
    return format_duration(timedelta(seconds=round(delta.total_seconds())))
