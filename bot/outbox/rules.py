"""Which lane an effect takes, what the pacer spaces it by, and how long it is worth sending.

Pure rules, no I/O. The lanes, first to last: answers to the person in front of Steward
(command replies, button answers, forms), sanctions and lifts, mod-log posts, other posts and
edits, DMs. A lane only decides who goes first when several entries are ready at once; entries
of different channels never wait for each other, so a case's DM and its mod-log post don't hold
each other up.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.actions import (
    Action,
    AddReaction,
    BulkDelete,
    CreateThread,
    DeleteMessage,
    EditMessage,
    OpenForm,
    Reply,
    SendDirect,
    SendMessage,
)
from bot.refs import ChannelRef

ANSWER, SANCTION, MODLOG, POST, DIRECT = "answer", "sanction", "modlog", "post", "direct"
LANES = (ANSWER, SANCTION, MODLOG, POST, DIRECT)

# How late an effect is still worth delivering (None: always, until it succeeds or fails for good).
# An interaction answer is useless after Discord's 15-minute token; a mod-log line is still the
# record a day later; a post or DM the caller gives no deadline for is stale after six hours.
WORTH: dict[str, timedelta | None] = {
    ANSWER: timedelta(minutes=15),
    SANCTION: None,
    MODLOG: timedelta(hours=24),
    POST: timedelta(hours=6),
    DIRECT: timedelta(hours=6),
}


def lane_of(action: Action, modlog: ChannelRef | None) -> str:
    """The lane of an action (``modlog`` is the community's mod-log channel on its platform)."""
    if isinstance(action, (Reply, OpenForm)):
        return ANSWER
    if isinstance(action, SendDirect):
        return DIRECT
    if isinstance(action, SendMessage) and modlog is not None and action.channel == modlog:
        return MODLOG
    if isinstance(action, (SendMessage, EditMessage, CreateThread, AddReaction)):
        return POST
    return SANCTION


def channel_of(action: Action) -> str:
    """What the pacer spaces sends by: the channel, the DM, the interaction, or the member."""
    match action:
        case SendMessage(channel=channel) | BulkDelete(channel=channel) | CreateThread(channel=channel):
            return f"ch:{channel.id}"
        case EditMessage(message=message) | DeleteMessage(message=message) | AddReaction(message=message):
            return f"ch:{message.channel_id}"
        case Reply(origin=origin) | OpenForm(origin=origin):
            return f"ix:{origin.token or origin.user.id}"
        case SendDirect(user=user):
            return f"dm:{user.id}"
    member = getattr(action, "user", None)
    return f"member:{member.id}" if member is not None else f"other:{type(action).__name__}"


def paced(action: Action) -> bool:
    """Whether the platform's per-channel post rate applies (messages, not member actions)."""
    return isinstance(action, (SendMessage, SendDirect, EditMessage, CreateThread))


def replaces(action: Action) -> str | None:
    """What a newer entry of the same kind makes obsolete before it is sent (None: nothing): an edit replaces
    a message's whole content, so of several edits of one message waiting, only the latest need go."""
    if isinstance(action, EditMessage):
        message = action.message
        return f"edit:{message.channel_id}:{message.id}"
    return None


def seen_by_people(action: Action) -> bool:
    """Whether a repeat would be seen (a second post or DM); a repeated lift or delete is not."""
    return isinstance(action, (SendMessage, SendDirect, Reply, CreateThread, AddReaction))


def expiry(lane: str, created: datetime, deliver_by: datetime | None = None) -> datetime | None:
    """When an entry stops being worth sending: the caller's deadline, or the lane's rule."""
    worth = WORTH[lane]
    rule = None if worth is None else created + worth
    if deliver_by is None:
        return rule
    return deliver_by if rule is None else min(rule, deliver_by)

