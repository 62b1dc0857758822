"""The console's input side: each typed line becomes platform events, a platform refusal or a hint.

No line ends the session except ``:quit`` (and the end of the input): a line Steward cannot read
gets a one-line hint, and a line the platform would refuse (a banned member joining, a post in a
locked or slowed channel) gets what the platform would do.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import re
import threading
from collections.abc import Callable
from typing import TextIO

from adapters.console.grammar import (
    ATTACHMENT,
    CONTINUE,
    GRAMMAR,
    LINE,
    channel_problem,
    name_problem,
)
from adapters.console.world import ConsoleMember, ConsoleMessage, Stage
from bot.clock import ManualClock
from bot.durations import DurationError, format_duration, parse_duration
from bot.events import (
    Attachment,
    ButtonPressed,
    CommandInvoked,
    FormCancelled,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MemberUpdated,
    MessagePosted,
    Origin,
    ReactionAdded,
)
from bot.refs import ChannelRef, MessageRef, UserRef

log = logging.getLogger(__name__)
PROMPT, MORE = "> ", "… "


class Typist:
    """Reads lines (a terminal with a prompt, or a pipe or script without) and acts them out."""

    def __init__(self, adapter: Stage, stdin: TextIO, *, interactive: bool) -> None:
        self.a = adapter
        self.stdin = stdin
        self.interactive = interactive
        self.pending: list[str] = []
        self.prompting: str | None = None  # the prompt on screen while a person is typing
        self._line_buffer: Callable[[], str] = str  # what they have typed so far (readline knows)

    @property
    def p(self) -> str:
        """The platform this console side plays."""
        return self.a.platform

    # -- reading ------------------------------------------------------------------------------

    async def read_loop(self) -> None:
        """Feed every line until ``:quit`` or the end of the input, whatever the lines hold."""
        reconfigure: Callable[..., None] | None = getattr(self.stdin, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")  # undecodable bytes become � rather than ending the session
        if self.interactive:
            try:
                import readline  # line editing and history for input(), where the platform has it
            except ImportError:
                pass
            else:
                self._line_buffer = readline.get_line_buffer
        try:
            while True:
                line = await self._next_line()
                if line is None:
                    break
                if not await self.feed_safely(line):
                    break
            if self.pending:  # the input ended inside a continued message: send what there is
                await self.feed_safely("")
        finally:
            for name, state in self.a.forms.items():
                self.a.out(f"[form] {state.title} for {name} was left unfinished "
                           f"({state.index} of {len(state.fields)} answered); nothing was sent")
            self.a.done.set()

    async def _next_line(self) -> str | None:
        """The next line, read on a daemon thread so a blocked read never holds up the exit."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str | None] = loop.create_future()
        prompt = MORE if self.pending else PROMPT

        def read() -> None:
            try:
                if self.interactive:
                    try:
                        value: str | None = input(prompt)
                    except EOFError:  # Ctrl-D: end the prompt's line so the shell's starts on its own
                        print(flush=True)
                        value = None
                else:
                    raw = self.stdin.readline()
                    value = raw.rstrip("\r\n") if raw else None
            except Exception as exc:  # a closed or broken input ends the session like its end does
                log.debug("console input ended: %s", exc)
                value = None
            loop.call_soon_threadsafe(_settle, future, value)

        self.prompting = prompt if self.interactive else None
        threading.Thread(target=read, name="console-input", daemon=True).start()
        try:
            return await future
        finally:
            self.prompting = None

    def above_prompt(self, line: str) -> str:
        """``line`` as written while a prompt waits: over the prompt, which is then drawn again below it."""
        if self.prompting is None:
            return line
        return f"\r\x1b[K{line}\n{self.prompting}{self._line_buffer()}"

    async def feed_safely(self, line: str) -> bool:
        """:meth:`feed`, with anything unexpected reported in one line and logged, never fatal."""
        try:
            return await self.feed(line)
        except Exception:
            log.exception("console: the line %r failed", line[:200])
            self.a.out("[console] that line broke something inside Steward (see the log); the session goes on")
            return True

    async def feed(self, line: str) -> bool:
        """Handle one typed line; False on ``:quit``."""
        if line.endswith(CONTINUE) and (self.pending or LINE.match(line.strip())):
            self.pending.append(line[:-1].rstrip())
            return True
        if self.pending:
            line, self.pending = "\n".join([*self.pending, line.strip()]), []
        line = line.strip()
        if not line or line.startswith("//"):
            return True
        if line == ":quit":
            return False
        side = re.match(r"^@([a-z][a-z0-9_-]*)\s+(.+)$", line, re.DOTALL)
        if side is not None and not LINE.match(line):
            peer = self.a.peers.get(side.group(1))
            if peer is None:
                known = ", ".join(sorted(self.a.peers)) or "none: this console plays one platform"
                self.a.out(f"[console] no side @{side.group(1)} (sides: {known})")
                return True
            return await peer.typist.feed(side.group(2))
        if line.startswith(":"):
            await self._meta(line)
        elif line.startswith("#"):
            self._switch(line)
        elif line.startswith("+"):
            await self._join(line[1:].strip(), announce=True)
        elif line.startswith("-"):
            await self._leave(line[1:].strip())
        elif (match := LINE.match(line)) is not None:
            await self._member_line(match.group(1), match.group(2).strip())
        elif line.startswith("/"):
            self.a.out(f"[console] commands are typed as a member: `alice: {line[:40]}`")
        else:
            self.a.out("[console] didn't understand that. Try `alice: hello`, `#general`, `+bob`, "
                       "`:role bob Moderators`, `:time +2h`, `:help` or `:quit`.")
        return True

    # -- channels, members, meta --------------------------------------------------------------

    def _switch(self, line: str) -> None:
        name = line.split()[0] if " " not in line.strip() else line.strip()
        if name not in self.a.channels:
            problem = channel_problem(name)
            if problem is not None:
                known = ", ".join(sorted(self.a.channels))
                self.a.out(f"[console] {problem} (channels: {known})")
                return
            self.a.channels.add(name)
            self.a.out(f"[console] created {name}")
        self.a.current = name
        self.a.out(f"[console] now typing in {name}")

    async def _meta(self, line: str) -> None:
        parts = line.split()
        if parts[0] == ":role" and len(parts) >= 3:
            role = " ".join(parts[2:])
            ref = await self.a.resolve_role(self.a.scope, role)
            if ref is None:
                if not self._refused(parts[1], "join"):
                    known = ", ".join(sorted(self.a.known_roles())) or "none"
                    self.a.out(f"[console] no role {role!r}; configured roles: {known}")
                return
            # someone new arrives already holding the role (as staff do), so the join is theirs, not a newcomer's
            member = await self._join(parts[1], announce=False, roles=frozenset({ref.id}))
            if member is None:
                return
            member.roles.add(ref.id)
            self.a.out(f"[console] {member.name} now has role {ref.id}")
        elif parts[0] == ":name" and len(parts) >= 3:
            await self._rename(parts[1], " ".join(parts[2:]))
        elif parts[0] == ":time" and len(parts) == 2:
            await self._time(parts[1])
        elif parts[0] == ":help":
            for entry in GRAMMAR:
                self.a.out(f"  {entry}")
        else:
            self.a.out("[console] meta commands: `:role NAME ROLE`, `:name NAME SHOWN`, `:time +2h`, "
                       "`:help`, `:quit`")

    async def _time(self, raw: str) -> None:
        if not raw.startswith("+"):
            self.a.out("[console] the clock only moves forward: `:time +2h`")
            return
        try:
            delta = parse_duration(raw[1:])
        except DurationError as exc:
            self.a.out(f"[console] {exc}")
            return
        if not isinstance(self.a.clock, ManualClock):
            self.a.out("[console] this clock can't be moved")
            return
        self.a.out(f"[console] time moves forward {format_duration(delta)}")
        await self.a.clock.advance(delta)

    def _refused(self, name: str, doing: str) -> bool:
        """Say why ``name`` can't ``doing`` (a bad name, Steward's own, banned); True if refused."""
        problem = name_problem(name)
        if problem is not None:
            self.a.out(f"[console] {problem}")
            return True
        if name == self.a.bot_user.id:
            self.a.out(f"[console] {name} is Steward's own name; pick another member name")
            return True
        if name in self.a.banned:
            self.a.out(f"[blocked] {name} is banned and can't {doing}")
            return True
        return False

    async def _join(self, name: str, *, announce: bool, roles: frozenset[str] = frozenset()) -> ConsoleMember | None:
        """``name`` arrives, holding ``roles`` from the first moment; None if refused."""
        if self._refused(name, "join"):
            return None
        member = self.a.members.get(name)
        if member is not None and member.present:
            if announce:
                self.a.out(f"[console] {name} is already here")
            return member
        now = self.a.clock.now()
        if member is None:
            member = self.a.members[name] = ConsoleMember(name, now)
        member.roles.update(roles)
        member.present, member.joined_at = True, now
        if announce:
            self.a.out(f"[console] {name} joined")
        await self.a.emit(MemberJoined(**self.a.base(), member=UserRef(self.p, name), name=name,
                                       display_name=member.shown, account_created_at=member.joined_at))
        return member

    async def _leave(self, name: str) -> None:
        problem = name_problem(name, example="-bob")
        if problem is not None:
            self.a.out(f"[console] {problem}")
            return
        member = self.a.members.get(name)
        if member is None or not member.present:
            self.a.out(f"[console] {name} is not here")
            return
        member.present = False
        self.a.out(f"[console] {name} left")
        await self.a.emit(MemberLeft(**self.a.base(), member=UserRef(self.p, name), name=name))

    async def _rename(self, name: str, shown: str) -> None:
        member = self.a.members.get(name)
        if self._refused(name, "change names") or member is None or not member.present:
            if member is None or not member.present:
                self.a.out(f"[console] {name} is not here")
            return
        if len(shown) > 32:
            self.a.out("[console] a display name is at most 32 characters")
            return
        before, member.display_name = member.shown, shown
        self.a.out(f"[console] {name} is now shown as {shown}")
        await self.a.emit(MemberUpdated(**self.a.base(), member=UserRef(self.p, name), name=name, display_name=shown,
                                        before_display_name=before))

    # -- member lines -------------------------------------------------------------------------

    async def _member_line(self, name: str, body: str) -> None:
        if name in self.a.banned and self._reaches_steward_privately(name, body):
            # as on Discord and Slack: out of the server, but Steward's DM (and its Appeal button) still works
            await self._private(name, body)
            return
        if self._refused(name, "post"):
            return
        if name in self.a.forms and not body.startswith("/"):
            await self._answer_form(name, body)
            return
        if not body:
            self.a.out(f"[console] {name} said nothing — type `{name}: hello`")
            return
        member = self.a.members.get(name)
        if member is None or not member.present:
            member = await self._join(name, announce=True)
            if member is None:
                return
        user = UserRef(self.p, name)
        origin = Origin(platform=self.p, scope=self.a.scope, user=user, channel=ChannelRef(self.p, self.a.current[1:]))
        if body.startswith("/"):
            command, _, raw = body[1:].partition(" ")
            if not command.strip():
                self.a.out(f"[console] a command has a name: `{name}: /help`")
                return
            await self.a.emit(CommandInvoked(**self.a.base(), origin=origin, command=command.lower(), raw=raw))
            return
        parts = body.split()
        if parts[0] in ("press", "react") and len(parts) >= 2 and re.fullmatch(r"m\d+", parts[1]):
            await self._interact(parts, origin)
            return
        blocked = self.a.blocked(member, self.a.current)
        if blocked is not None:
            self.a.out(f"[blocked] {blocked}")
            return
        attachments, text = _attachments(body)
        msg = ConsoleMessage(f"m{self.a.next_id()}", self.a.current, name, body)
        self.a.messages[msg.id] = msg
        self.a.posted(member, self.a.current)
        self.a.print_message(msg)
        mentions = tuple(UserRef(self.p, m) for m in re.findall(r"@([A-Za-z0-9_.-]+)", text) if m in self.a.members)
        await self.a.emit(MessagePosted(
            **self.a.base(), message=MessageRef(self.p, self.a.current[1:], msg.id), author=user,
            author_name=member.shown, text=text, channel_name=self.a.current, mentions=mentions,
            attachments=attachments, mentions_everyone=bool(re.search(r"@(everyone|here)\b", text))))

    def _reaches_steward_privately(self, name: str, body: str) -> bool:
        """A banned member's line that goes to Steward alone: a form answer, /appeal, a press in their DM."""
        if name in self.a.forms or body.split(" ", 1)[0].lower() == "/appeal":
            return True
        parts = body.split()
        msg = self.a.messages.get(parts[1]) if len(parts) >= 2 and parts[0] == "press" else None
        return msg is not None and msg.channel == f"dm:{name}"

    async def _private(self, name: str, body: str) -> None:
        """What a banned member may still do (answer a form, /appeal, press in the DM), answered in their DM."""
        if name in self.a.forms and not body.startswith("/"):
            await self._answer_form(name, body)
            return
        origin = Origin(platform=self.p, scope=self.a.scope, user=UserRef(self.p, name),
                        channel=ChannelRef(self.p, f"dm:{name}"))
        if body.startswith("/"):
            command, _, raw = body[1:].partition(" ")
            await self.a.emit(CommandInvoked(**self.a.base(), origin=origin, command=command.lower(), raw=raw))
        else:
            await self._interact(body.split(), origin)

    async def _interact(self, parts: list[str], origin: Origin) -> None:
        msg = self.a.messages.get(parts[1])
        if msg is None or msg.deleted:
            self.a.out(f"[console] no message {parts[1]}")
            return
        if msg.channel.startswith("dm:") and msg.channel != f"dm:{origin.user.id}":
            self.a.out(f"[blocked] {msg.id} is a direct message to {msg.channel[3:]}; only they can see it")
            return
        ref = MessageRef(self.p, msg.channel.lstrip("#"), msg.id)
        if parts[0] == "react":
            if len(parts) != 3:
                self.a.out(f"[console] react takes one emoji: `{origin.user.id}: react {msg.id} 👍`")
                return
            self.a.out(f"[console] {origin.user.id} reacted {parts[2]} to {msg.id}")
            await self.a.emit(ReactionAdded(**self.a.base(), message=ref, user=origin.user, emoji=parts[2]))
            return
        choices = msg.choices()
        if not choices:
            self.a.out(f"[console] {msg.id} has no buttons")
            return
        if len(parts) == 2 and len(choices) == 1:
            index = 1  # the only button: no number needed
        elif len(parts) == 3 and parts[2].isdigit() and 1 <= int(parts[2]) <= len(choices):
            index = int(parts[2])
        else:
            self.a.out(f"[console] {msg.id} has {'buttons' if msg.buttons else 'options'} 1 to {len(choices)}: "
                       f"`{origin.user.id}: press {msg.id} 1`")
            return
        self.a.out(f"[console] {origin.user.id} pressed {choices[index - 1]} on {msg.id}")
        # a press answers where the message is: in the channel, or in the DM it was sent to
        origin = Origin(platform=self.p, scope=self.a.scope, user=origin.user, channel=ref.channel, message=ref)
        if msg.buttons:
            b = msg.buttons[index - 1]
            await self.a.emit(ButtonPressed(**self.a.base(), origin=origin, action=b.action, value=b.value))
        elif msg.select is not None:
            s = msg.select
            await self.a.emit(ButtonPressed(**self.a.base(), origin=origin, action=s.action, value=s.value,
                                            values=(s.options[index - 1].value,)))

    async def _answer_form(self, name: str, body: str) -> None:
        state = self.a.forms[name]
        origin = Origin(platform=self.p, scope=self.a.scope, user=UserRef(self.p, name),
                        channel=None if state.channel.startswith("dm:") else ChannelRef(self.p, state.channel[1:]))
        if body.lower() == "cancel":
            del self.a.forms[name]
            self.a.out(f"[form] {state.title} cancelled; nothing was sent")
            await self.a.emit(FormCancelled(**self.a.base(), origin=origin, action=state.action, value=state.value))
            return
        field_name, label, required = state.fields[state.index]
        if body == "-" and not required:
            body = ""
        elif not body:
            self.a.out(f"[form] {label} is required — type an answer or `{name}: cancel`")
            return
        state.answers[field_name] = body
        if state.index < len(state.fields):
            self.a.prompt(state)
            return
        del self.a.forms[name]
        self.a.out(f"[form] {state.title} sent")
        await self.a.emit(FormSubmitted(**self.a.base(), origin=origin, action=state.action, value=state.value,
                                        fields=dict(state.answers)))


def _attachments(body: str) -> tuple[tuple[Attachment, ...], str]:
    """Leading ``[file NAME]`` markers become attachments; the rest is the message text."""
    found: list[Attachment] = []
    pos = 0
    while (match := ATTACHMENT.match(body, pos)) is not None:
        filename = match.group(1)
        found.append(Attachment(filename, mimetypes.guess_type(filename)[0] or "application/octet-stream"))
        pos = match.end()
    return tuple(found), body[pos:]


def _settle(future: asyncio.Future[str | None], value: str | None) -> None:
    if not future.done():
        future.set_result(value)
