"""Slack payloads turned into core events (pure functions: no I/O, no caches)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.slack.blocks import form_values, metadata
from bot.components import decode_custom_id
from bot.events import (
    AccountDeleted,
    Attachment,
    ButtonPressed,
    CommandInvoked,
    Event,
    FormCancelled,
    FormSubmitted,
    HomeOpened,
    MemberJoined,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    MessageShared,
    Origin,
    ReactionAdded,
)
from bot.refs import ChannelRef, MessageRef, RoleRef, UserRef

P = "slack"
SHORTCUT_PREFIX = "steward_"  # message shortcuts' callback ids: steward_feedback is "Send to feedback"
Payload = Mapping[str, Any]

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_GROUP = re.compile(r"<!subteam\^(S[A-Z0-9]+)(?:\|[^>]*)?>")
_BROADCAST = re.compile(r"<!(?:channel|here|everyone)(?:\|[^>]*)?>")
# Subtypes that are a member's own words; every other subtype (joins, topic changes, ...) is not a post.
POST_SUBTYPES = {None, "", "thread_broadcast", "file_share", "me_message", "bot_message"}

_EMOJI_NAMES = {
    "👍": "+1", "👎": "-1", "✅": "white_check_mark", "❌": "x", "👀": "eyes", "❤️": "heart", "❤": "heart",
    "🎉": "tada", "🙏": "pray", "🚫": "no_entry_sign", "⚠️": "warning", "⚠": "warning", "🔥": "fire",
    "😄": "smile", "🙂": "slightly_smiling_face", "👋": "wave", "⭐": "star", "📌": "pushpin", "🗑️": "wastebasket",
    "↩️": "leftwards_arrow_with_hook", "🤔": "thinking_face", "💯": "100", "🚀": "rocket", "✨": "sparkles",
}


def emoji_name(emoji: str) -> str:
    """A Slack reaction name for ``:name:``, ``name`` or a common Unicode emoji."""
    emoji = emoji.strip()
    return _EMOJI_NAMES.get(emoji, emoji.strip(":"))


def at(ts: object) -> datetime:
    """A Slack ``ts`` ("1700000000.000100") as a UTC datetime; now when absent or odd."""
    try:
        return datetime.fromtimestamp(float(str(ts)), UTC)
    except (TypeError, ValueError, OverflowError):
        return datetime.now(UTC)


def unescape(text: str) -> str:
    """Slack's escaped text back to what the member typed (mentions keep their markup)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _base(team: str, event_id: str, ts: object) -> dict[str, Any]:
    return {"platform": P, "scope": team, "event_id": event_id, "occurred_at": at(ts)}


def message(event: Payload, *, team: str, event_id: str, author_name: str = "",
            channel_name: str = "") -> Event | None:
    """A ``message`` event: a post, an edit (``message_changed``) or a deletion."""
    subtype = event.get("subtype")
    channel = str(event.get("channel", ""))
    if not channel:
        return None
    if subtype == "message_changed":
        new, old = event.get("message") or {}, event.get("previous_message") or {}
        if not new.get("user") or new.get("text") == old.get("text"):
            return None  # link unfurls and other non-edits arrive as message_changed too
        text = unescape(str(new.get("text", "")))
        return MessageEdited(
            **_base(team, event_id, event.get("ts")), message=MessageRef(P, channel, str(new.get("ts", ""))),
            author=UserRef(P, str(new["user"])), author_name=author_name, text=text,
            before=unescape(str(old["text"])) if "text" in old else None, channel_name=channel_name,
            is_bot=bool(new.get("bot_id")), mentions=_mentions(text), mentions_everyone=_broadcast(text))
    if subtype == "message_deleted":
        deleted = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts")
        if not deleted:
            return None
        return MessageDeleted(**_base(team, event_id, event.get("ts")), message=MessageRef(P, channel, str(deleted)))
    if subtype not in POST_SUBTYPES:
        return None
    user = event.get("user") or event.get("bot_id")
    if not user:
        return None
    text = unescape(str(event.get("text", "")))
    ts = str(event.get("ts", ""))
    thread = event.get("thread_ts")
    files = tuple(Attachment(filename=str(f.get("name", "")), content_type=str(f.get("mimetype", "")),
                             size=int(f.get("size") or 0), url=str(f.get("url_private", "")))
                  for f in event.get("files") or [])
    return MessagePosted(
        **_base(team, event_id, ts), message=MessageRef(P, channel, ts), author=UserRef(P, str(user)),
        author_name=author_name or str(event.get("username", "")), text=text, channel_name=channel_name,
        is_dm=event.get("channel_type") == "im", is_bot=bool(event.get("bot_id")), attachments=files,
        mentions=_mentions(text), role_mentions=tuple(RoleRef(P, g) for g in _GROUP.findall(text)),
        mentions_everyone=_broadcast(text),
        reply_to=MessageRef(P, channel, str(thread)) if thread and thread != ts else None)


def _mentions(text: str) -> tuple[UserRef, ...]:
    return tuple(dict.fromkeys(UserRef(P, u) for u in _USER.findall(text)))


def _broadcast(text: str) -> bool:
    return _BROADCAST.search(text) is not None


def team_join(event: Payload, *, team: str, event_id: str) -> MemberJoined | None:
    """A new member of the workspace."""
    user = event.get("user") or {}
    if not isinstance(user, Mapping) or not user.get("id"):
        return None
    profile = user.get("profile") or {}
    return MemberJoined(**_base(team, event_id, event.get("event_ts")), member=UserRef(P, str(user["id"])),
                        name=str(user.get("name", "")),
                        display_name=str(profile.get("display_name") or profile.get("real_name") or ""),
                        is_bot=bool(user.get("is_bot")))


def account_deleted(event: Payload, *, team: str, event_id: str) -> AccountDeleted | None:
    """A ``user_change`` whose user is now ``deleted`` (Slack's deactivation, its only deletion signal)."""
    user = event.get("user")
    if event.get("type") != "user_change" or not isinstance(user, Mapping) or not user.get("id"):
        return None
    if user.get("deleted") is not True or user.get("is_bot"):
        return None
    return AccountDeleted(**_base(team, event_id, event.get("event_ts")), member=UserRef(P, str(user["id"])))


def channel_join(event: Payload, *, team: str, event_id: str, name: str = "") -> MemberJoined | None:
    """A member joined a channel that counts as the community."""
    user = event.get("user")
    if not user:
        return None
    return MemberJoined(**_base(team, event_id, event.get("event_ts")), member=UserRef(P, str(user)), name=name)


def reaction(event: Payload, *, team: str, event_id: str) -> ReactionAdded | None:
    """A reaction on a message."""
    item = event.get("item") or {}
    if item.get("type") != "message" or not event.get("user"):
        return None
    return ReactionAdded(**_base(team, event_id, event.get("event_ts")),
                         message=MessageRef(P, str(item.get("channel", "")), str(item.get("ts", ""))),
                         user=UserRef(P, str(event["user"])), emoji=str(event.get("reaction", "")))


def home_opened(event: Payload, *, team: str, event_id: str) -> HomeOpened | None:
    """A member opened the Home tab."""
    if event.get("tab", "home") != "home" or not event.get("user"):
        return None
    return HomeOpened(**_base(team, event_id, event.get("event_ts")), user=UserRef(P, str(event["user"])))


def slash_command(body: Payload, *, token: str) -> CommandInvoked:
    """``/steward warn @bob spam`` → command ``warn``, raw ``@bob spam``; alone → ``help``."""
    text = unescape(str(body.get("text", ""))).strip()
    name, _, raw = text.partition(" ")
    team = str(body.get("team_id", ""))
    origin = Origin(platform=P, scope=team, user=UserRef(P, str(body.get("user_id", ""))),
                    channel=ChannelRef(P, str(body["channel_id"])) if body.get("channel_id") else None,
                    token=token)
    return CommandInvoked(platform=P, scope=team, event_id=f"cmd:{token}", occurred_at=datetime.now(UTC),
                          origin=origin, command=(name or "help").lower().lstrip("/"), raw=raw.strip())


def team_of(body: Payload) -> str:
    """The workspace of an interactive payload."""
    team = body.get("team") or {}
    if isinstance(team, Mapping) and team.get("id"):
        return str(team["id"])
    user = body.get("user") or {}
    return str(user.get("team_id", "")) if isinstance(user, Mapping) else ""


def block_action(body: Payload, action: Payload, *, token: str) -> ButtonPressed | None:
    """A press of a button or a choice in a select Steward posted."""
    decoded = decode_custom_id(str(action.get("action_id", "")))
    if decoded is None:
        return None
    name, value = decoded
    team = team_of(body)
    container = body.get("container") or {}
    channel_id = container.get("channel_id") or (body.get("channel") or {}).get("id")
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    channel = ChannelRef(P, str(channel_id)) if channel_id else None
    origin = Origin(platform=P, scope=team, user=UserRef(P, str((body.get("user") or {}).get("id", ""))),
                    channel=channel, token=token,
                    message=MessageRef(P, str(channel_id), str(message_ts)) if channel_id and message_ts else None)
    values: tuple[str, ...] = ()
    if action.get("selected_option"):
        values = (str(action["selected_option"].get("value", "")),)
    elif action.get("selected_options"):
        values = tuple(str(o.get("value", "")) for o in action["selected_options"])
    return ButtonPressed(platform=P, scope=team, event_id=f"act:{token}:{action.get('action_id')}",
                         occurred_at=at(action.get("action_ts")), origin=origin, action=name, value=value,
                         values=values)


def message_action(body: Payload, *, token: str) -> MessageShared | None:
    """A message shortcut (callback id ``steward_<action>``) on a member's message."""
    callback = str(body.get("callback_id", ""))
    message = body.get("message") or {}
    channel_id = str((body.get("channel") or {}).get("id", ""))
    if not callback.startswith(SHORTCUT_PREFIX) or not channel_id or not message.get("ts"):
        return None
    team = team_of(body)
    channel = ChannelRef(P, channel_id)
    ref = MessageRef(P, channel_id, str(message["ts"]))
    origin = Origin(platform=P, scope=team, user=UserRef(P, str((body.get("user") or {}).get("id", ""))),
                    channel=channel, token=token, message=ref)
    return MessageShared(platform=P, scope=team, event_id=f"share:{token}", occurred_at=at(body.get("action_ts")),
                         origin=origin, action=callback[len(SHORTCUT_PREFIX):], message=ref,
                         author=UserRef(P, str(message.get("user") or message.get("bot_id") or "")),
                         text=unescape(str(message.get("text", ""))))


def _view_origin(body: Payload, token: str | None) -> tuple[str, Origin]:
    team = team_of(body)
    meta = metadata(body.get("view") or {})
    channel = ChannelRef(P, meta["channel"]) if meta.get("channel") else None
    return team, Origin(platform=P, scope=team, user=UserRef(P, str((body.get("user") or {}).get("id", ""))),
                        channel=channel, token=token)


def view_submission(body: Payload) -> FormSubmitted | None:
    """A submitted form: field values by field name."""
    view = body.get("view") or {}
    decoded = decode_custom_id(str(view.get("callback_id", "")))
    if decoded is None:
        return None
    token = str(body.get("trigger_id") or "") or None
    team, origin = _view_origin(body, token)
    return FormSubmitted(platform=P, scope=team, event_id=f"view:{view.get('id')}:{view.get('hash', '')}",
                         occurred_at=datetime.now(UTC), origin=origin, action=decoded[0], value=decoded[1],
                         fields=form_values(view))


def view_closed(body: Payload) -> FormCancelled | None:
    """A form closed without submitting."""
    view = body.get("view") or {}
    decoded = decode_custom_id(str(view.get("callback_id", "")))
    if decoded is None:
        return None
    team, origin = _view_origin(body, None)
    return FormCancelled(platform=P, scope=team, event_id=f"closed:{view.get('id')}",
                         occurred_at=datetime.now(UTC), origin=origin, action=decoded[0], value=decoded[1])
