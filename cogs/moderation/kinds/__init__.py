"""The rule kinds other than words and regexes: one module each, behind one registry.

Each module's ``check(rule, seen)`` returns the evidence in words when the message breaks the
rule's part of that kind, else None. :data:`KINDS` lists them in the order they are tried, by the
config key that turns them on (as python-discord's filtering registers its filter types).
"""

from __future__ import annotations

from collections.abc import Callable

from cogs.moderation.activity import Seen
from cogs.moderation.kinds import age, attachments, caps, chars, emoji, flood, links, mentions, newlines, repeats
from cogs.moderation.settings import Rule

Check = Callable[[Rule, Seen], str | None]

KINDS: dict[str, Check] = {
    "links": links.check, "mentions": mentions.check, "flood": flood.check, "repeats": repeats.check,
    "caps": caps.check, "emoji": emoji.check, "newlines": newlines.check, "chars": chars.check,
    "attachments": attachments.check, "age": age.check,
}
