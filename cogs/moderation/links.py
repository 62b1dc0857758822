"""Links in messages: domains, invites to other servers, known scam domains. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from cogs.moderation.wordfiles import read_word_file

_URL = re.compile(
    r"(?i)(?<![\w@.-])(https?://|www\.)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})"
    r"(?::\d{1,5})?(/[^\s<>()]*)?")
_INVITE = re.compile(r"(?i)\b(?:discord(?:app)?\.com/invite|discord\.gg|dsc\.gg|discord\.me|discord\.io)/([\w-]+)")


@dataclass(frozen=True, slots=True)
class Link:
    """A link found in a message."""

    domain: str
    explicit: bool  # written with a scheme or www., not just a word with dots


def find_links(text: str) -> list[Link]:
    """Every domain-looking thing in the text, lower-cased, without ``www.``."""
    if "." not in text:
        return []
    out = []
    for m in _URL.finditer(text):
        domain = m.group(2).lower().removeprefix("www.")
        out.append(Link(domain, explicit=bool(m.group(1) or m.group(3))))
    return out


def find_invites(text: str) -> list[str]:
    """Invite codes to chat servers (discord.gg/CODE and friends)."""
    if "/" not in text:
        return []
    return [m.group(1) for m in _INVITE.finditer(text)]


def parents(domain: str) -> Iterable[str]:
    """``a.b.example.com`` -> itself, ``b.example.com``, ``example.com``."""
    parts = domain.split(".")
    for i in range(len(parts) - 1):
        yield ".".join(parts[i:])


def listed(domain: str, domains: frozenset[str] | set[str]) -> bool:
    """Whether the domain or one of its parents is in the list."""
    return any(p in domains for p in parents(domain))


def read_domain_file(name: str) -> list[str]:
    """A domain list file, one per line."""
    return [d.lower().removeprefix("www.") for d in read_word_file(name)]
