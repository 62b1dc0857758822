"""Permission levels and role-hierarchy checks."""

from __future__ import annotations

from enum import IntEnum

from bot.refs import MemberInfo


class Level(IntEnum):
    """Who may use a command."""

    MEMBER = 0
    MODERATOR = 1
    ADMIN = 2

    @property
    def label(self) -> str:
        """Lower-case name for messages."""
        return self.name.lower()


def hierarchy_refusal(actor: MemberInfo | None, target: MemberInfo | None,
                      bot: MemberInfo | None) -> str | None:
    """Why ``actor`` may not act on ``target`` through Steward, or None when allowed.

    Rules: never oneself, never the owner, actor above target, Steward above target.
    A target that is not in the scope (already left) can still be acted on (bans).
    """
    if target is None:
        return None
    if actor is not None and actor.user == target.user:
        return "you can't do that to yourself."
    if bot is not None and bot.user == target.user:
        return "Steward can't act on itself."
    if target.is_owner:
        return f"{target.label} owns this community and can't be moderated."
    if actor is not None and not actor.is_owner and actor.rank <= target.rank:
        return f"{target.label}'s highest role is not below yours."
    if bot is not None and bot.rank <= target.rank:
        return f"{target.label}'s highest role is not below Steward's."
    return None
