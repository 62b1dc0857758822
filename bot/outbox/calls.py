"""The two calls the sender makes of an adapter: a check after a restart, and the send itself."""

from __future__ import annotations

import logging
from typing import Protocol

from bot.actions import Action, ActionResult
from bot.outbox import rules
from bot.outbox.table import DONE, UNSURE

log = logging.getLogger(__name__)

# what an adapter's ``recheck`` answers: the effect is in place, sending again is safe, or it can't tell
DONE_RECHECK, RESEND, UNKNOWN = "done", "resend", "unknown"


class Platform(Protocol):
    """What the sender needs of an adapter (``perform_once`` and ``recheck`` are optional)."""

    platform: str

    async def perform(self, action: Action) -> ActionResult:
        ...


async def recheck(adapter: Platform, action: Action) -> str:
    """Ask the platform whether an effect that may have been sent before a restart is in place."""
    check = getattr(adapter, "recheck", None)
    if check is None:
        return UNKNOWN
    try:
        return str(await check(action))
    except Exception:
        log.exception("outbox: could not check whether %s already happened", type(action).__name__)
        return UNKNOWN


async def rechecked(adapter: Platform, action: Action) -> tuple[str, str | None] | None:
    """How an entry found ``sending`` at start ends without being sent (``done`` or ``unsure``, and why), or
    None when it is to be sent (again)."""
    found = await recheck(adapter, action)
    if found == DONE_RECHECK:
        return DONE, None
    if found == UNKNOWN and rules.seen_by_people(action):
        # the platform can't tell whether it arrived: a repeat is worse than a gap
        return UNSURE, "may have been delivered just before a restart; not repeated"
    return None


async def send(adapter: Platform, action: Action, key: str) -> ActionResult:
    """Perform, with the idempotency key where the adapter can use it; a crash becomes a failure."""
    try:
        once = getattr(adapter, "perform_once", None)
        if once is not None:
            result: ActionResult = await once(action, key)
        else:
            result = await adapter.perform(action)
    except Exception as exc:
        log.exception("%s failed on %s", type(action).__name__, action.platform)
        return ActionResult.failure(action, f"{type(exc).__name__}: {exc}", "error")
    return result
