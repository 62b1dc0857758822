"""Entries that follow another entry: what a follower does once the one it waits for has finished.

A case's effects are staged together in the case's transaction, but some must go in order and
some only if what they follow happened: a member is told before a ban (afterwards Discord can't
reach them) and after a timeout (so nobody hears of one that did not happen); the case's mod-log
post waits for both and says what was not carried out. A follower waits, in its sender, while the
entry it follows is undelivered; then, by its mode:

- ``GO``: goes whatever became of it (the ban after its DM);
- ``DROP``: goes only if it was delivered, else is dropped (the DM after a timeout);
- ``NOTE``: goes either way, saying what was not done and why (the mod-log post);
- ``ELSE``: goes only if it was *not* delivered (the correction after a DM sent before a refused ban).

A dropped follower is a decision, not a loss: it is marked ``failed`` and not reported again
(the entry it followed is).
"""

from __future__ import annotations

import dataclasses

from bot.actions import Action
from bot.content import Content, UserText
from bot.outbox.table import EXPIRED, FAILED

GO, DROP, NOTE, ELSE = "go", "drop", "note", "else"
MODES = (GO, DROP, NOTE, ELSE)


def missed(status: str | None) -> bool:
    """Whether the entry followed was not carried out (failed for good or given up; ``unsure`` may have been)."""
    return status in (FAILED, EXPIRED)


def follow(action: Action, mode: str | None, status: str | None, error: str | None) -> tuple[Action | None, str]:
    """The action a follower sends once the entry it follows ended in ``status`` (None: never staged here),
    or None and why it is dropped."""
    failed = missed(status)
    if mode == DROP and failed:
        return None, f"not sent: what it follows was not carried out ({error or status})"
    if mode == ELSE and not failed:
        return None, "not needed: what it follows was carried out"
    if mode == NOTE and failed:
        content = getattr(action, "content", None)
        if isinstance(content, Content):
            noted = dataclasses.replace(content, segments=(*content.segments, "\nNote: not done: ",
                                                           UserText(error or str(status))))
            return dataclasses.replace(action, content=noted), ""  # type: ignore[call-arg]
    return action, ""
