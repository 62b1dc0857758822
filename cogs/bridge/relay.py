"""What a relayed message says, cut to the other platform's length (pure: no I/O).

The author's name and text are user text: each adapter escapes them completely, so
``@everyone``, ``<!channel>``, ``<@U…>`` or markdown arrive as plain characters and ping nobody.
Escaping lengthens text (``*`` becomes ``\\*`` on Discord, ``&`` becomes ``&amp;`` on Slack), so
lengths are counted at their escaped worst: a part that fits here fits there.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass

from bot.content import Content, UserText, fmt
from bot.events import Attachment

_PUNCT = frozenset(string.punctuation)
_MIN_CHUNK = 50


def cost(ch: str) -> int:
    """The most characters one character may take once escaped on any platform."""
    if ch == "&":
        return 5
    if ch in "<>":
        return 4
    return 2 if ch in _PUNCT else 1


def _cost(text: str) -> int:
    return sum(cost(c) for c in text)


@dataclass(frozen=True, slots=True)
class Relayed:
    """The parts of one relayed message, and whether (and how much) it was cut."""

    parts: tuple[Content, ...]
    cut: int = 0  # characters left out (truncate mode)


def body(text: str, attachments: Sequence[Attachment], with_attachments: bool) -> str:
    """The message text with its attachments as links (or names where there is no link)."""
    lines = [text] if text else []
    if with_attachments:
        for a in attachments:
            lines.append(f"[file] {a.filename} {a.url}".rstrip() if a.url else f"[file] {a.filename} (no link)")
    return "\n".join(lines)


def _split(text: str, budget: int) -> list[str]:
    chunks: list[str] = []
    rest = text
    while rest:
        used, end = 0, 0
        while end < len(rest) and used + cost(rest[end]) <= budget:
            used += cost(rest[end])
            end += 1
        if end < len(rest):  # break at the last space or new line in the chunk's last fifth
            space = max(rest.rfind(" ", 0, end), rest.rfind("\n", 0, end))
            if space > end * 4 // 5:
                end = space + 1
        chunks.append(rest[:end])
        rest = rest[end:]
    return chunks


def compose(author: str, platform: str, text: str, limit: int, *, overflow: str = "split") -> Relayed:
    """The parts of a relay of ``text`` by ``author`` from ``platform``, each within ``limit``."""
    name = author.strip()[:80] or "someone"
    head = _cost(name) + len(platform) + 40  # "NAME on PLATFORM (12/12): " and the cut notice
    budget = max(_MIN_CHUNK, limit - head - 40)
    if _cost(text) <= budget:
        return Relayed((fmt("{name} on {platform}: {text}", name=UserText(name), platform=platform,
                            text=UserText(text)),))
    chunks = _split(text, budget)
    if overflow == "truncate":
        cut = len(text) - len(chunks[0])
        return Relayed((fmt("{name} on {platform}: {text}… (cut: {n} more characters on {platform})",
                            name=UserText(name), platform=platform, text=UserText(chunks[0].rstrip()), n=cut),),
                       cut=cut)
    n = len(chunks)
    return Relayed(tuple(fmt("{name} on {platform} ({i}/{n}): {text}", name=UserText(name), platform=platform,
                             i=i + 1, n=n, text=UserText(chunk)) for i, chunk in enumerate(chunks)))
