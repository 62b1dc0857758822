"""Attachments by file type (extension)."""

from __future__ import annotations

from cogs.moderation.activity import Seen
from cogs.moderation.settings import Rule


def check(rule: Rule, seen: Seen) -> str | None:
    """A denied type, or one outside the allowed ones."""
    spec = rule.attachments
    if spec is None:
        return None
    for name in seen.facts.attachments:
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext in spec.deny or (spec.allow and ext not in spec.allow):
            return f"attachment type .{ext or '?'}"
    return None
