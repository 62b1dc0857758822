"""Message content made of trusted text, untrusted user text and mentions.

A plain ``str`` segment is Steward's own words (written in Steward's code: it may hold markup);
every string from anywhere else — message text, names, reasons, notes, platform error text —
enters as :class:`UserText`, which no renderer treats as markup: each adapter escapes it
completely for its platform. :func:`fmt` wraps every ``str`` value in ``UserText`` itself, so
interpolating a name cannot make markup. Adapters render :class:`Mention` natively; nothing pings
unless a feature names the user or role in ``Content.ping``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

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


Segment = str | UserText | Mention


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
