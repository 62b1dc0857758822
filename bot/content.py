"""Message content made of trusted text, untrusted user text and mentions.

Adapters escape :class:`UserText` with their platform's rules and render :class:`Mention`
natively; nothing pings unless a feature names the user or role in ``Content.ping``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.components import Button, Select
from bot.refs import ChannelRef, RoleRef, UserRef


@dataclass(frozen=True, slots=True)
class UserText:
    """Text that came from a member: always escaped when rendered."""

    text: str


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


Segment = str | UserText | Mention | Moment


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
            else:
                prefix = "#" if isinstance(seg.target, ChannelRef) else "@"
                out.append(prefix + seg.name)
        return "".join(out)

    def with_buttons(self, *buttons: Button) -> Content:
        """A copy with these buttons."""
        return Content(self.segments, tuple(buttons), self.select, self.ping)


def text(value: str) -> Content:
    """Content of trusted text only."""
    return Content((value,))


def fmt(template: str, /, **values: Segment | int | float) -> Content:
    """Build content from a trusted ``str.format``-style template and typed values.

    Plain ``str`` values are treated as trusted; wrap member-provided text in :class:`UserText`.
    Unknown placeholders are left visible rather than raising, so admin templates cannot crash.
    """
    segments: list[Segment] = []
    for literal, name, spec, _conv in string.Formatter().parse(template):
        if literal:
            segments.append(literal)
        if name is None:
            continue
        if name not in values:
            segments.append("{" + name + "}")
            continue
        value = values[name]
        if isinstance(value, (UserText, Mention, Moment)):
            segments.append(value)
        else:
            segments.append(format(value, spec or ""))
    return Content(tuple(segments))
