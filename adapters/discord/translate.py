"""discord.py objects and raw gateway payloads → platform-neutral core events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import discord

from bot.events import (
    Attachment,
    InterestChanged,
    MemberJoined,
    MemberLeft,
    MemberUpdated,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
)
from bot.refs import MessageRef, RoleRef, UserRef

P = "discord"


def user_ref(user: discord.abc.Snowflake | int) -> UserRef:
    """A Discord user (or member) as a core reference."""
    return UserRef(P, str(user if isinstance(user, int) else user.id))


def message_ref(channel_id: int, message_id: int) -> MessageRef:
    """A message as a core reference."""
    return MessageRef(P, str(channel_id), str(message_id))


def role_refs(member: discord.Member) -> tuple[RoleRef, ...]:
    """A member's roles, without @everyone."""
    return tuple(RoleRef(P, str(r.id)) for r in member.roles if not r.is_default())


def _base(scope: str, event_id: str, when: datetime | None) -> dict[str, Any]:
    return {"platform": P, "scope": scope, "event_id": event_id, "occurred_at": when or datetime.now(UTC)}


def channel_name(channel: object) -> str:
    """``#name`` of a guild channel or thread; empty for DMs."""
    name = getattr(channel, "name", None)
    return f"#{name}" if isinstance(name, str) and name else ""


def posted(message: discord.Message, scope: str) -> MessagePosted:
    """MESSAGE_CREATE."""
    reply_to = None
    if message.reference is not None and message.reference.message_id is not None:
        reply_to = message_ref(message.reference.channel_id, message.reference.message_id)
    return MessagePosted(
        **_base(scope, f"message:{message.id}", message.created_at),
        message=message_ref(message.channel.id, message.id), author=user_ref(message.author),
        author_name=message.author.display_name, text=message.content,
        channel_name=channel_name(message.channel), is_dm=message.guild is None, is_bot=message.author.bot,
        attachments=tuple(Attachment(a.filename, a.content_type or "", a.size, a.url) for a in message.attachments),
        mentions=tuple(user_ref(u) for u in message.mentions),
        role_mentions=tuple(RoleRef(P, str(r)) for r in message.raw_role_mentions),
        mentions_everyone=message.mention_everyone, reply_to=reply_to)


def edited(payload: discord.RawMessageUpdateEvent, scope: str) -> MessageEdited | None:
    """MESSAGE_UPDATE, cached or not; None when the text did not change (embeds unfurling)."""
    message = payload.message
    if "content" not in payload.data:
        return None
    before = payload.cached_message.content if payload.cached_message is not None else None
    if before is not None and before == message.content:
        return None
    stamp = message.edited_at or datetime.now(UTC)
    return MessageEdited(
        **_base(scope, f"edit:{message.id}:{stamp.timestamp()}", stamp),
        message=message_ref(message.channel.id, message.id), author=user_ref(message.author),
        author_name=message.author.display_name, text=message.content, before=before,
        channel_name=channel_name(message.channel), is_bot=message.author.bot,
        mentions=tuple(user_ref(u) for u in message.mentions), mentions_everyone=message.mention_everyone)


def deleted(payload: discord.RawMessageDeleteEvent, scope: str) -> MessageDeleted:
    """MESSAGE_DELETE."""
    return MessageDeleted(**_base(scope, f"delete:{payload.message_id}", None),
                          message=message_ref(payload.channel_id, payload.message_id))


def joined(member: discord.Member) -> MemberJoined:
    """GUILD_MEMBER_ADD."""
    when = member.joined_at or datetime.now(UTC)
    return MemberJoined(**_base(str(member.guild.id), f"join:{member.guild.id}:{member.id}:{when.timestamp()}", when),
                        member=user_ref(member), name=member.name, display_name=member.display_name,
                        is_bot=member.bot, account_created_at=member.created_at)


def left(payload: discord.RawMemberRemoveEvent) -> MemberLeft:
    """GUILD_MEMBER_REMOVE."""
    now = datetime.now(UTC)
    return MemberLeft(**_base(str(payload.guild_id), f"leave:{payload.guild_id}:{payload.user.id}:{now.timestamp()}",
                              now), member=user_ref(payload.user), name=payload.user.name)


def updated(before: discord.Member, after: discord.Member) -> MemberUpdated | None:
    """GUILD_MEMBER_UPDATE; None unless the nickname or the roles changed."""
    if before.display_name == after.display_name and before.roles == after.roles:
        return None
    now = datetime.now(UTC)
    return MemberUpdated(
        **_base(str(after.guild.id), f"update:{after.guild.id}:{after.id}:{now.timestamp()}", now),
        member=user_ref(after), name=after.name, display_name=after.display_name,
        before_display_name=before.display_name, roles=role_refs(after), before_roles=role_refs(before))


def reacted(payload: discord.RawReactionActionEvent, scope: str) -> ReactionAdded:
    """MESSAGE_REACTION_ADD."""
    return ReactionAdded(
        **_base(scope, f"react:{payload.message_id}:{payload.user_id}:{payload.emoji}", None),
        message=message_ref(payload.channel_id, payload.message_id), user=user_ref(payload.user_id),
        emoji=str(payload.emoji))


def interest(event: discord.ScheduledEvent, user: discord.abc.User, interested: bool) -> InterestChanged:
    """GUILD_SCHEDULED_EVENT_USER_ADD / _REMOVE: a member marked (or took back) "Interested".

    The gateway gives these no id of their own, and the same member may add, remove and add again:
    the event id carries the moment it arrived, so only a replay of the very same dispatch is a repeat.
    """
    now = datetime.now(UTC)
    return InterestChanged(**_base(str(event.guild_id), f"interest:{event.id}:{user.id}:{int(interested)}:"
                                   f"{now.timestamp():.6f}", now),
                           native=str(event.id), user=user_ref(user.id), interested=interested)
