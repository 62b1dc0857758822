"""Console adapter: Steward in a terminal. The grammar people type is in ``grammar.GRAMMAR``."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path, PurePath
from typing import Any, TextIO

from adapters.console.grammar import banner
from adapters.console.render import escape, render
from adapters.console.settings import ConsoleSettings
from adapters.console.typist import Typist
from adapters.console.world import ConsoleMember, ConsoleMessage, OpenFormState
from bot import __version__
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
from bot.clock import Clock
from bot.commands import CommandSpec
from bot.config.models import CommunityConfig
from bot.content import Content, UserText
from bot.durations import format_duration
from bot.events import Event, Origin
from bot.refs import ChannelRef, MemberInfo, MessageRef, RoleRef, UserRef

P = "console"


class ConsoleAdapter:
    """Reads the grammar from a stream, prints what happens, performs every action in memory."""

    def __init__(self, community: CommunityConfig, clock: Clock, *, settings: ConsoleSettings | None = None,
                 stdin: TextIO | None = None, out: Callable[[str], None] | None = None,
                 interactive: bool | None = None, platform: str = P) -> None:
        # ``platform``: the name this console plays (``console``; or ``discord`` and ``slack`` when
        # ``sides`` plays a community on two platforms, one adapter each, typed into one terminal)
        self.platform = platform
        self.peers: dict[str, ConsoleAdapter] = {}  # the other sides, by platform name (`@slack LINE`)
        self.settings = settings or ConsoleSettings()
        self.community = community
        self.scope = community.name
        self.clock = clock
        stdin = stdin or sys.stdin
        # a banner and a prompt only for a person at a terminal; pipes and scripts get the bare transcript
        self.interactive = (stdin.isatty() and sys.stdout.isatty()) if interactive is None else interactive
        self.typist = Typist(self, stdin, interactive=self.interactive)
        self.out = out or self._print
        if self.settings.sides:  # several sides print into one terminal: each line says whose it is
            shared = self.out
            self.out = lambda line: shared(f"{platform} | {line}")
        self.bot_user = UserRef(self.platform, self.settings.bot_name)
        self.members: dict[str, ConsoleMember] = {}
        self.banned: set[str] = set()
        self.messages: dict[str, ConsoleMessage] = {}
        self.forms: dict[str, OpenFormState] = {}
        self.channels: set[str] = {"#general", *community.channel_names(platform)}
        self.current = "#general" if "#general" in self.channels else sorted(self.channels)[0]
        self.locked: set[str] = set()
        self.slowmode: dict[str, int] = {}
        self._last_post: dict[tuple[str, str], datetime] = {}
        self.threads: dict[str, str] = {}  # root message id -> thread name
        self._ids = itertools.count(1)
        self._events = itertools.count(1)
        self._sink: EventSink | None = None
        self._idle: Callable[[], Awaitable[None]] | None = None
        self._reader: asyncio.Task[None] | None = None
        self.done = asyncio.Event()
        self.table = self._table()
        self.capabilities = self.table.capabilities()
        self._role_rank = {name: 20 for name in community.roles.get("admin", [])}
        for name in community.roles.get("moderator", []):
            self._role_rank.setdefault(name, 10)

    def _print(self, line: str) -> None:
        try:
            # something happening on its own (a timeout running out) while a person types
            sys.stdout.write(self.typist.above_prompt(line) + ("" if self.typist.prompting else "\n"))
            sys.stdout.flush()
        except BrokenPipeError:
            # whoever read the output left (`make run | head -5`): end quietly, as command-line tools do
            quiet_stdout()
            self.done.set()

    # -- adapter protocol -------------------------------------------------------------------

    def scope_of(self, community: CommunityConfig) -> str | None:
        """The console serves the one community it was started for; its name is the scope."""
        return community.name if community.name == self.scope else None

    async def start(self, sink: EventSink) -> None:
        self._sink = sink

    def attach_idle(self, idle: Callable[[], Awaitable[None]]) -> None:
        """How to wait until what a line caused is done: its events handled and the effects that can go
        now sent (chained ones too), so the next line's output never overtakes this one's."""
        self._idle = idle

    def run_input(self) -> None:
        """Start reading the input stream (after the runtime is fully started)."""
        if self.interactive:
            for line in banner(__version__, self.scope, self.bot_user.id):
                self.out(line)
        self._reader = asyncio.create_task(self.typist.read_loop())

    async def feed(self, line: str) -> bool:
        """Handle one typed line as if read from the input; False on ``:quit``."""
        return await self.typist.feed_safely(line)

    async def stop(self) -> None:
        if self._reader is not None and not self._reader.done():
            if self.interactive:  # Ctrl-C at the prompt: leave the terminal on a fresh line
                self.out("")
            self._reader.cancel()

    async def register_commands(self, scope: str, commands: Sequence[CommandSpec]) -> None:
        return None

    async def member(self, scope: str, user: UserRef) -> MemberInfo | None:
        if user == self.bot_user:
            return await self.bot_member(scope)
        m = self.members.get(user.id)
        if m is None or not m.present:
            return None
        return MemberInfo(user=user, name=m.name, display_name=m.shown,
                          roles=frozenset(RoleRef(self.platform, r) for r in m.roles),
                          rank=max((self._role_rank.get(r, 1) for r in m.roles), default=0),
                          is_admin=False, joined_at=m.joined_at, created_at=m.joined_at,
                          timed_out_until=m.timed_out_until)

    async def bot_member(self, scope: str) -> MemberInfo | None:
        return MemberInfo(user=self.bot_user, name=self.bot_user.id, rank=1000, is_bot=True)

    async def resolve_channel(self, scope: str, name: str) -> ChannelRef | None:
        name = name if name.startswith("#") else f"#{name}"
        return ChannelRef(self.platform, name[1:]) if name in self.channels else None

    async def resolve_role(self, scope: str, name: str) -> RoleRef | None:
        name = name.lstrip("@")
        known = set(self._role_rank) | {r for names in self.community.roles.values() for r in names}
        for role in known:
            if role.lower() == name.lower():
                return RoleRef(self.platform, role)
        return None

    async def resolve_member(self, scope: str, text: str) -> UserRef | None:
        name = text.strip().lstrip("@")
        for m in self.members.values():
            if m.name.lower() == name.lower():
                return UserRef(self.platform, m.name)
        if name in self.banned:
            return UserRef(self.platform, name)
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
        return ActionResult.success(action, MessageRef(self.platform, root.channel_id, root.id), ref=root.id)

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
        self.print_message(msg, edited=True)
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
        self.slowmode[f"#{action.channel.id}"] = action.seconds
        for key in [k for k in self._last_post if k[0] == f"#{action.channel.id}"]:
            del self._last_post[key]  # the interval counts from each member's next post
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
        self.prompt(state)
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
        self.print_message(msg, to=to)
        return MessageRef(self.platform, where.lstrip("#"), msg.id)

    def print_message(self, msg: ConsoleMessage, *, to: str | None = None, edited: bool = False) -> None:
        """Print a message with its id, and its buttons or options numbered from 1."""
        where = f"{msg.channel} › {escape(msg.thread)}" if msg.thread else msg.channel
        who = f"{msg.author} → {to}" if to else msg.author
        tag = f"{msg.id} edited" if edited else msg.id
        self.out(f"({tag}) [{where}] {who}: {msg.text}")
        choices = msg.choices()
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

    def prompt(self, state: OpenFormState) -> None:
        """Print the next field of an open form."""
        _name, label, required = state.fields[state.index]
        optional = "" if required else " (optional: `-` to skip)"
        self.out(f"[form] {state.index + 1}/{len(state.fields)} {label}{optional}")

    def base(self) -> dict[str, Any]:
        """The fields every console event shares (platform, scope, a fresh event id, the time)."""
        return {"platform": self.platform, "scope": self.scope, "event_id": f"c{next(self._events)}",
                "occurred_at": self.clock.now()}

    async def emit(self, event: Event) -> None:
        """Hand an event to the runtime and wait until it is handled and its effects are out (where they
        can go now: one typed line's output comes before the next's, whatever the timing)."""
        if self._sink is not None:
            await self._sink(event)
        if self._idle is not None:
            await self._idle()

    def next_id(self) -> int:
        """The next message number."""
        return next(self._ids)

    def known_roles(self) -> set[str]:
        """Every role the config names."""
        return {r for names in self.community.roles.values() for r in names}

    # -- what the platform refuses ---------------------------------------------------------------

    def blocked(self, member: ConsoleMember, channel: str) -> str | None:
        """Why the platform would refuse ``member`` posting in ``channel`` now, or None."""
        now = self.clock.now()
        if member.timed_out_until is not None and member.timed_out_until > now:
            return f"{member.name} is timed out for {_span(member.timed_out_until - now)} more"
        staff = bool(member.roles & set(self._role_rank))  # like Manage Messages, staff skip locks and slow mode
        if channel in self.locked and not staff:
            return f"{channel} is locked"
        interval = self.slowmode.get(channel, 0)
        last = self._last_post.get((channel, member.name))
        if interval and last is not None and not staff:
            wait = last + timedelta(seconds=interval) - now
            if wait > timedelta(0):
                return (f"{channel} is in slow mode ({format_duration(timedelta(seconds=interval))}): "
                        f"{member.name} may post again in {_span(wait) if wait >= timedelta(seconds=1) else '1s'}")
        return None

    def posted(self, member: ConsoleMember, channel: str) -> None:
        """Record a post (slow mode counts from it)."""
        self._last_post[(channel, member.name)] = self.clock.now()


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


def quiet_stdout() -> None:
    """Point standard output at the null device, so the exit's final flush can't fail on a closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
