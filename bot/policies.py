"""What Steward does when an adapter could not do an action as asked: decided here, once.

Adapters report *why* with a failure code and never improvise their own fallback; the gate
asks this module for the one policy that applies to that code.
"""

from __future__ import annotations

from bot.actions import Action, ActionResult, Reply, SendDirect, SendMessage
from bot.content import Content, Mention

EPHEMERAL_UNAVAILABLE = "ephemeral_unavailable"  # a reply only the invoker should see can't be shown that way


def fallback_for(result: ActionResult) -> Action | None:
    """The action to try instead of a failed one, or None when the failure stands."""
    action = result.action
    if result.code == EPHEMERAL_UNAVAILABLE and isinstance(action, Reply) and action.ephemeral:
        # never post what only the invoker was meant to see where everyone reads it: say it in a DM
        return SendDirect(user=action.origin.user, content=action.content, scope=action.origin.scope,
                          reason=action.reason)
    return None


DM_CLOSED = "dm_closed"  # the platform refused a direct message: the member closed their DMs


def undelivered_instead(result: ActionResult) -> Action | None:
    """What the outbox sends instead of an entry that failed for good with nobody waiting on it, or None.

    A DM the platform refused (the member closed DMs) that names a ``fallback`` channel becomes a
    post there that mentions, and pings, only its recipient. Only for an entry nobody awaits (a
    job's or ``ctx.effect``'s): a caller awaiting ``ctx.perform`` gets ``dm_closed`` and decides itself.
    """
    action = result.action
    if result.code != DM_CLOSED or not isinstance(action, SendDirect) or action.fallback is None:
        return None
    return SendMessage(channel=action.fallback, reason=action.reason, content=Content(
        (Mention(action.user, action.user.id), " ", *action.content.segments), action.content.buttons,
        action.content.select, (action.user,)))
