"""Permission levels and the hierarchy check made before one member acts on another."""

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


def hierarchy_refusal(actor: MemberInfo | None, target: MemberInfo | None, bot: MemberInfo | None, *,
                      actor_level: Level = Level.MEMBER, target_level: Level = Level.MEMBER,
                      absent_ok: bool = False) -> str | None:
    """Why ``actor`` may not act on ``target`` through Steward, or None when allowed.

    In order: Steward must see the actor and itself (unknown means no); a target who is not in
    the scope is refused unless the action is meant for absent members (``absent_ok``: banning
    someone who left, lifting a ban); never oneself, Steward or the owner; a lower permission
    level never acts on a higher one, whatever the platform's role order; and the actor's highest
    role must be above the target's (the platform's own rule), as must Steward's.
    """
    if bot is None:
        return "Steward can't see its own membership here, so it can't check its role order."
    if actor is None:
        return "Steward can't see your membership here, so it can't check that you outrank them."
    if target is None:
        return None if absent_ok else "they aren't a member here (or Steward can't see them)."
    if actor.user == target.user:
        return "you can't do that to yourself."
    if bot.user == target.user:
        return "Steward can't act on itself."
    if target.is_owner:
        return f"{target.label} owns this community and can't be moderated."
    if not actor.is_owner:
        if actor_level < target_level:
            return f"{target.label} is {_a(target_level)}; {_a(actor_level)} can't act on them."
        if actor.rank <= target.rank:
            return f"{target.label}'s highest role is not below yours."
    if bot.rank <= target.rank:
        return f"{target.label}'s highest role is not below Steward's."
    return None


def _a(level: Level) -> str:
    return ("an " if level.label[0] in "aeiou" else "a ") + level.label
