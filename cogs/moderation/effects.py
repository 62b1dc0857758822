"""The order of a case's effects, staged together in the case's transaction (pure, no I/O).

A member hears of a kick or ban *before* it (afterwards Discord has no way to reach them) and of
anything else *after* it, only if it happened; the mod-log post follows the sanction and says
when it was not carried out; a member told before a ban that the platform then refused gets a
correction. The outbox keeps that order and those conditions (bot.outbox.chain), across restarts.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import Action, SendDirect, SendMessage
from bot.outbox.chain import DROP, ELSE, GO, NOTE
from cogs.moderation.casefile import CaseEffect

FIRST = "act0"  # the case's sanction (a case has at most one member action, and the DM follows the first)


def plan(acts: Sequence[Action], *, dm: SendDirect | None = None, dm_first: bool = False,
         correction: SendDirect | None = None, ask: SendDirect | None = None,
         posts: Sequence[SendMessage] = ()) -> list[CaseEffect]:
    """A case's effects in the order they are staged, each with what it follows."""
    sanction = FIRST if acts else None
    out: list[CaseEffect] = []
    if dm is not None and dm_first:
        out.append(CaseEffect("dm", dm))
    for i, act in enumerate(acts):
        # a ban waits for its DM only while that DM is going (not behind a storm of DMs)
        out.append(CaseEffect(f"act{i}", act, after="dm" if dm is not None and dm_first and i == 0 else None,
                              if_not=GO))
    if dm is not None and not dm_first:
        out.append(CaseEffect("dm", dm, after=sanction, if_not=DROP))
    if correction is not None and dm is not None and dm_first and sanction is not None:
        out.append(CaseEffect("correction", correction, after=sanction, if_not=ELSE))
    if ask is not None:
        out.append(CaseEffect("ask", ask))
    for post in posts:
        out.append(CaseEffect(f"modlog:{post.platform}", post, after=sanction, if_not=NOTE))
    return out
