"""Core content → one terminal string: text from outside Steward can't steer the terminal."""

from __future__ import annotations

import re

from bot.content import CommandMention, Content, Mention, Moment, UserText
from bot.encodable import clean
from bot.refs import ChannelRef

# C0/C1 controls (escape sequences, carriage returns that overwrite a line) and the bidi
# overrides that reorder what is shown; tab and newline stay.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape(value: str) -> str:
    """Outside text made inert for a terminal; its new lines are indented so no line can pose
    as one of Steward's own (``(m9) [#mod-log] steward: …``)."""
    out = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                       else f"\\u{ord(m.group()):04x}", clean(value))
    return out.replace("\n", "\n  ")


def render(content: Content) -> str:
    """Segments to terminal text: Steward's own as written, everything else escaped."""
    out: list[str] = []
    for seg in content.segments:
        if isinstance(seg, str):
            out.append(seg)
        elif isinstance(seg, UserText):
            out.append(escape(seg.text))
        elif isinstance(seg, Mention):
            out.append(("#" if isinstance(seg.target, ChannelRef) else "@") + escape(seg.name))
        elif isinstance(seg, Moment):  # the community's (or reader's) zone, set by the core
            out.append(seg.local_text())
        elif isinstance(seg, CommandMention):  # the console's commands are typed as the core spells them
            out.append(escape(seg.plain()))
    return "".join(out)
