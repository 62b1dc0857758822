"""How the runtime adapts an action before an adapter performs it: member preferences and zones.

Cogs never call these: they return ordinary actions and the runtime applies them (a DM to a
member who turned DMs off becomes a channel message mentioning only them; a :class:`Moment`
without a zone is shown in the community's).
"""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

from bot.actions import Action, SendDirect, SendMessage
from bot.content import Content, Mention, Moment
from bot.refs import ChannelRef


def direct_to_channel(action: SendDirect, channel: ChannelRef, name: str) -> SendMessage:
    """The DM as a channel message that mentions, and may ping, only its recipient."""
    content = action.content
    return SendMessage(channel=channel, reason=action.reason, content=Content(
        (Mention(action.user, name), " ", *content.segments), content.buttons, content.select, (action.user,)))


def with_zone(action: Action, tz: ZoneInfo) -> Action:
    """The action with every zone-less :class:`Moment` of its content set to ``tz``."""
    content = getattr(action, "content", None)
    if not isinstance(content, Content) or not any(
            isinstance(s, Moment) and s.tz is None for s in content.segments):
        return action
    segments = tuple(dataclasses.replace(s, tz=tz) if isinstance(s, Moment) and s.tz is None else s
                     for s in content.segments)
    return dataclasses.replace(action, content=dataclasses.replace(content, segments=segments))  # type: ignore[call-arg]
