"""How the runtime adapts an action before an adapter performs it: preferences, zones, fallbacks.

Cogs never call these: they return ordinary actions and the runtime applies them (a DM to a
member who turned DMs off becomes a channel message mentioning only them; a :class:`Moment`
without a zone is shown in the community's; what a platform cannot do takes the documented
fallback below, and the mod log says so).

Fallbacks (:func:`degrade`):

- files on a platform without ``FILES``: the message goes without them and names each file
  (``[file invite.ics (1.2 KB) could not be attached here]``);
- a message for a thread on a platform without ``THREADS``: posted in the channel as a reply
  to the thread's first message;
- ``CreateThread`` without ``THREADS``: its first message (headed with the thread's name) is
  posted in the channel, and that message stands for the thread from then on.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from zoneinfo import ZoneInfo

from bot.actions import Action, ActionResult, CreateThread, Reply, SendDirect, SendMessage
from bot.capabilities import Capability
from bot.community import Community
from bot.content import Content, Mention, Moment, UserText
from bot.events import Event, MessagePosted
from bot.members import Members
from bot.platforms import Platforms
from bot.preferences import zone
from bot.refs import ChannelRef, MessageRef, UserRef


class Preparer:
    """Applies member preferences and the community's zone to each action before the gate."""

    def __init__(self, members: Members, platforms: Platforms, *, remember: int = 50_000) -> None:
        self.members = members
        self.platforms = platforms
        self.remember = remember
        # where a DM-off member is reached: the last message they posted, by (platform, user id). Every
        # message passes here, so it keeps the message (its channel is made only when a DM needs it),
        # keyed by a tuple of two strings whose hashes Python keeps (a UserRef's is computed each time).
        self._last_message: OrderedDict[tuple[str, str], MessageRef] = OrderedDict()

    def seen(self, event: Event) -> None:
        """Note the channel a member last spoke in."""
        if isinstance(event, MessagePosted) and not event.is_dm:
            author = event.author
            last = self._last_message
            last[(author.platform, author.id)] = event.message
            if len(last) > self.remember:  # the member noted first
                last.popitem(last=False)

    def last_channel(self, user: UserRef) -> ChannelRef | None:
        """The channel the member last posted in (outside DMs), if Steward saw one."""
        message = self._last_message.get((user.platform, user.id))
        return None if message is None else message.channel

    async def prepare(self, action: Action, community: Community) -> Action | ActionResult:
        """The action as it should go out, or a failure saying why it cannot."""
        reader = action.user if isinstance(action, SendDirect) else \
            action.origin.user if isinstance(action, Reply) and _zoneless(action.content) else None
        prefs = None
        if reader is not None:  # a DM or a reply has one reader: their zone, their DM setting
            person = await self.members.persons.find(community.name, reader)
            prefs = None if person is None else await self.members.prefs.get(person)
        action = with_zone(action, zone(prefs, community.tz) if prefs is not None else community.tz)
        if not isinstance(action, SendDirect) or prefs is None or prefs.dms:
            return action
        channel = action.fallback or self.last_channel(action.user) or community.channel(
            "general", action.platform)
        if channel is None:
            return ActionResult.failure(action, "they turned DMs off and no channel was found to reach them",
                                        "dm_off")
        scope = community.scopes.get(action.platform, action.scope)
        info = await self.platforms.member(action.platform, scope, action.user)
        return direct_to_channel(action, channel, info.label if info else action.user.id)


def direct_to_channel(action: SendDirect, channel: ChannelRef, name: str) -> SendMessage:
    """The DM as a channel message that mentions, and may ping, only its recipient."""
    content = action.content
    return SendMessage(channel=channel, reason=action.reason, content=Content(
        (Mention(action.user, name), " ", *content.segments), content.buttons, content.select, (action.user,)))


def _zoneless(content: Content) -> bool:
    return any(isinstance(s, Moment) and s.tz is None for s in content.segments)


def with_zone(action: Action, tz: ZoneInfo) -> Action:
    """The action with every zone-less :class:`Moment` of its content set to ``tz``."""
    content = getattr(action, "content", None)
    if not isinstance(content, Content) or not _zoneless(content):
        return action
    segments = tuple(dataclasses.replace(s, tz=tz) if isinstance(s, Moment) and s.tz is None else s
                     for s in content.segments)
    return dataclasses.replace(action, content=dataclasses.replace(content, segments=segments))  # type: ignore[call-arg]


def degrade(action: Action, missing: frozenset[Capability]) -> tuple[Action, str] | None:
    """The documented fallback for what the platform cannot do, and a note saying what changed;
    None when there is none (the action is refused as unsupported)."""
    if isinstance(action, SendMessage) and Capability.SEND not in missing:
        content, files, thread, reply_to = action.content, action.files, action.thread, action.reply_to
        notes = []
        if Capability.FILES in missing and files:
            names = [seg for f in files for seg in ("\n[file ", UserText(f.label()), " could not be attached here]")]
            content = dataclasses.replace(content, segments=(*content.segments, *names))
            notes.append(f"can't attach files: the message went without {', '.join(f.name for f in files)}")
            files = ()
        if Capability.THREADS in missing and thread is not None:
            reply_to, thread = reply_to or thread, None
            notes.append("has no threads: the message was posted in the channel as a reply")
        return dataclasses.replace(action, content=content, files=files, thread=thread, reply_to=reply_to), \
            "; ".join(notes)
    if isinstance(action, CreateThread) and missing == frozenset({Capability.THREADS}):
        body = action.content.segments if action.content is not None else ()
        header = ("Thread: ", UserText(action.name), "\n" if body else "")
        return SendMessage(channel=action.channel, reason=action.reason, reply_to=action.message,
                           content=Content((*header, *body), *(
                               (action.content.buttons, action.content.select) if action.content else ()))), \
            "has no threads: the thread's first message was posted in the channel"
    return None
