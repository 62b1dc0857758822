"""Message content made of trusted text, untrusted user text and mentions.

A plain ``str`` segment is Steward's own words (written in Steward's code: it may hold markup);
every string from anywhere else — message text, names, reasons, notes, platform error text —
enters as :class:`UserText`, which no renderer treats as markup: each adapter escapes it
completely for its platform. :func:`fmt` wraps every ``str`` value in ``UserText`` itself, so
interpolating a name cannot make markup. Adapters render :class:`Mention` natively; nothing pings
unless a feature names the user or role in ``Content.ping``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.components import Button, Select
from bot.encodable import clean
from bot.refs import ChannelRef, RoleRef, UserRef


@dataclass(frozen=True, slots=True)
class UserText:
    """Text that did not come from Steward's code: always escaped when rendered, never markup."""

    text: str

    def __post_init__(self) -> None:
        value: object = self.text
        object.__setattr__(self, "text", clean(value if isinstance(value, str) else str(value)))


@dataclass(frozen=True, slots=True)
class Mention:
    """A user, role or channel mention; ``name`` is the plain-text fallback."""

    target: UserRef | RoleRef | ChannelRef
    name: str


@dataclass(frozen=True, slots=True)
class Moment:
    """A moment in time, shown natively: each reader's own zone where the platform can
    (Discord ``<t:...>``, Slack ``<!date^...>``), else ``tz`` (the member's or community's).

    ``style``: ``F`` date and time, ``D`` date, ``t`` time, ``R`` relative ("in 2 hours").
    """

    at: datetime
    style: str = "F"
    tz: ZoneInfo | None = None

    @property
    def unix(self) -> int:
        """Seconds since the epoch."""
        return int(self.at.timestamp())

    def local_text(self) -> str:
        """The moment as text in ``tz`` (UTC when none), e.g. ``Mon 5 Jan 2026, 09:00 GMT``."""
        local = self.at.astimezone(self.tz or UTC)
        zone = local.tzname() or "UTC"
        if self.style == "D":
            return f"{local:%a} {local.day} {local:%b %Y}"
        if self.style == "t":
            return f"{local:%H:%M} {zone}"
        return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} {zone}"


@dataclass(frozen=True, slots=True)
class CommandMention:
    """A Steward command named in a message; each adapter spells it (Discord's clickable mention,
    ``/steward appeal`` on Slack, ``/appeal`` on the console). ``args`` follows it as trusted text."""

    name: str
    args: str = ""

    def plain(self) -> str:
        """``/name args`` as the core and the console write it."""
        return f"/{self.name} {self.args}" if self.args else f"/{self.name}"


Segment = str | UserText | Mention | Moment | CommandMention


@dataclass(frozen=True, slots=True)
class Content:
    """What a message says, with its buttons and the mentions it may ping."""

    segments: tuple[Segment, ...] = ()
    buttons: tuple[Button, ...] = ()
    select: Select | None = None
    ping: tuple[UserRef | RoleRef, ...] = field(default=())

    def plain(self) -> str:
        """Render without any platform markup (console, logs, tests)."""
        out: list[str] = []
        for seg in self.segments:
            if isinstance(seg, str):
                out.append(seg)
            elif isinstance(seg, UserText):
                out.append(seg.text)
            elif isinstance(seg, Moment):
                out.append(seg.local_text())
            elif isinstance(seg, CommandMention):
                out.append(seg.plain())
            else:
                prefix = "#" if isinstance(seg.target, ChannelRef) else "@"
                out.append(prefix + seg.name)
        return "".join(out)

    def with_buttons(self, *buttons: Button) -> Content:
        """A copy with these buttons."""
        return Content(self.segments, tuple(buttons), self.select, self.ping)


def spell_commands(content: Content, spell: Callable[[CommandMention], str]) -> Content:
    """The content with each command mention replaced by the adapter's trusted spelling of it."""
    if not any(isinstance(seg, CommandMention) for seg in content.segments):
        return content
    segments = tuple(spell(seg) if isinstance(seg, CommandMention) else seg for seg in content.segments)
    return Content(segments, content.buttons, content.select, content.ping)


def with_commands(template: str, names: Iterable[str]) -> tuple[Segment, ...]:
    """Trusted text written by an admin (a config template) with its ``/name`` of known commands
    as command mentions, so each platform spells them; member text never goes through here."""
    ordered = sorted({n for n in names if n}, key=len, reverse=True)
    if not ordered:
        return (template,)
    pattern = re.compile(r"(?<![\w/.:<@#&|-])/(" + "|".join(map(re.escape, ordered)) + r")(?![\w-])")
    out: list[Segment] = []
    at = 0
    for match in pattern.finditer(template):
        if match.start() > at:
            out.append(template[at:match.start()])
        out.append(CommandMention(match.group(1)))
        at = match.end()
    if at < len(template):
        out.append(template[at:])
    return tuple(out)


def text(value: str) -> Content:
    """Content of trusted text only."""
    return Content((value,))


def fmt(template: str, /, **values: Segment | Content | int | float) -> Content:
    """Build content from a trusted ``str.format``-style template and typed values.

    The template is Steward's own text; every ``str`` value becomes :class:`UserText` (escaped on
    every platform), numbers are formatted, segments (mentions, ...) and :class:`Content` are kept
    as they are. Unknown placeholders are left visible rather than raising, so admin templates
    cannot crash.
    """
    segments: list[Segment] = []

    def trusted(value: str) -> None:
        # adjacent trusted pieces are one segment, so `/{name}` spells one command (Slack rewrites it)
        if segments and isinstance(segments[-1], str):
            segments[-1] += value
        elif value:
            segments.append(value)

    for literal, name, spec, _conv in string.Formatter().parse(template):
        if literal:
            trusted(literal)
        if name is None:
            continue
        if name not in values:
            trusted("{" + name + "}")
            continue
        value = values[name]
        if isinstance(value, str):
            segments.append(UserText(value))
        elif isinstance(value, Content):
            for seg in value.segments:
                trusted(seg) if isinstance(seg, str) else segments.append(seg)
        elif isinstance(value, (int, float)):
            trusted(format(value, spec or ""))
        else:
            segments.append(value)
    return Content(tuple(segments))
