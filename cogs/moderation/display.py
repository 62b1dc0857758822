"""How a case shows who it is about and what they wrote: the member with their name, a cut excerpt."""

from __future__ import annotations

from typing import Any

from bot.content import Mention
from bot.refs import UserRef
from cogs.moderation.casefile import Target as CaseTarget

EXCERPT = 300


def excerpt(value: str, limit: int = EXCERPT) -> str:
    """A message cut to a readable length for the case file."""
    value = value.strip()
    return value if len(value) <= limit else value[: limit - 1] + "…"


class Target(CaseTarget):
    """Who a case is about, as shown in the mod log."""

    __slots__ = ()

    def mention(self) -> Mention:
        """A non-pinging mention."""
        return Mention(self.user, self.name)


async def target_of(ctx: Any, user: UserRef, fallback: str = "") -> Target:
    """A member with the name to show (the platform's, else ``fallback``, else their id)."""
    info = await ctx.member(user)
    return Target(user, info.label if info is not None else (fallback or user.id))
