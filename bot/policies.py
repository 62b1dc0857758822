"""What Steward does when an adapter could not do an action as asked: decided here, once.

Adapters report *why* with a failure code and never improvise their own fallback; the gate
asks this module for the one policy that applies to that code.
"""

from __future__ import annotations

from bot.actions import Action, ActionResult, Reply, SendDirect

EPHEMERAL_UNAVAILABLE = "ephemeral_unavailable"  # a reply only the invoker should see can't be shown that way


def fallback_for(result: ActionResult) -> Action | None:
    """The action to try instead of a failed one, or None when the failure stands."""
    action = result.action
    if result.code == EPHEMERAL_UNAVAILABLE and isinstance(action, Reply) and action.ephemeral:
        # never post what only the invoker was meant to see where everyone reads it: say it in a DM
        return SendDirect(user=action.origin.user, content=action.content, scope=action.origin.scope,
                          reason=action.reason)
    return None
