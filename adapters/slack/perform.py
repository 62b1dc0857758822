"""Core actions performed through the Slack Web API: escaping, pacing per channel, fallbacks."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import blocks
from adapters.slack.translate import emoji_name
from bot.actions import (
    Action,
    ActionResult,
    AddReaction,
    BulkDelete,
    DeleteMessage,
    EditMessage,
    KickMember,
    OpenForm,
    Reply,
    SendDirect,
    SendMessage,
    ShowOnHome,
)
from bot.components import Button, Form
from bot.content import Content, fmt, text
from bot.refs import ChannelRef, MessageRef, UserRef

log = logging.getLogger(__name__)
P = "slack"

ClientFor = Callable[[str], Awaitable[AsyncWebClient]]
DM_CLOSED = {"cannot_dm_bot", "user_disabled", "user_not_found", "user_not_visible", "not_allowed_token_type"}
NOT_FOUND = {"channel_not_found", "message_not_found", "user_not_found", "not_in_channel"}
FORBIDDEN = {"cant_delete_message", "cant_update_message", "cant_kick_self", "cant_kick_from_general",
             "restricted_action", "not_authorized", "missing_scope", "method_not_supported_for_channel_type"}
OPEN_FORM = "slack:open-form"


class Pacer:
    """Spaces posts in one channel at least ``interval`` seconds apart (Slack allows about 1/s)."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._next: dict[str, float] = {}

    async def wait(self, channel: str) -> None:
        """Take the channel's next slot and sleep until it comes."""
        if self.interval <= 0:
            return
        now = self.clock()
        slot = max(now, self._next.get(channel, 0.0))
        self._next[channel] = slot + self.interval  # taken before sleeping: concurrent posts queue up
        if slot > now:
            await asyncio.sleep(slot - now)


class Expiring:
    """A small map whose entries expire (interaction tokens, pending forms)."""

    def __init__(self, ttl: float, size: int = 5000) -> None:
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def put(self, key: str, value: Any) -> None:
        """Remember a value."""
        self._items[key] = (time.monotonic(), value)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def get(self, key: str | None) -> Any:
        """The value, or None when unknown or expired."""
        if key is None or key not in self._items:
            return None
        at, value = self._items[key]
        if time.monotonic() - at > self.ttl:
            del self._items[key]
            return None
        return value


@dataclass
class Interaction:
    """What an interaction left behind for answering it."""

    response_url: str | None
    channel: str | None


class Home:
    """Each member's home sections; a HomeOpened dispatch collects them into one views.publish."""

    def __init__(self) -> None:
        self.sections: dict[tuple[str, str], dict[str, tuple[int, Content]]] = {}
        self.collecting: set[tuple[str, str]] = set()

    def view(self, key: tuple[str, str]) -> dict[str, Any]:
        """The home view of one member."""
        parts = sorted(self.sections.get(key, {}).items(), key=lambda kv: (kv[1][0], kv[0]))
        return blocks.home_view([(title, content) for title, (_order, content) in parts], intro=HOME_INTRO)


HOME_INTRO = "Your events, feedback and onboarding in this community. Type `/steward help` for commands."


class Performer:
    """Performs actions for the Slack adapter."""

    def __init__(self, *, bot_client: ClientFor, admin_client: AsyncWebClient | None,
                 team_of_channel: Callable[[str], str], team_of_user: Callable[[str], str],
                 post_interval: float, webhook_timeout: float = 10.0) -> None:
        self.bot_client = bot_client
        self.admin_client = admin_client
        self.team_of_channel = team_of_channel
        self.team_of_user = team_of_user
        self.pacer = Pacer(post_interval)
        self.interactions = Expiring(ttl=25 * 60)
        self.pending_forms = Expiring(ttl=15 * 60)
        self.open_forms = Expiring(ttl=60 * 60)  # callback_id -> Form, to validate its submission
        self.home = Home()
        self.webhook_timeout = webhook_timeout
        self.slash = "/steward"
        self._commands: re.Pattern[str] | None = None

    def set_commands(self, slash: str, names: Iterable[str]) -> None:
        """The Slack command and the core command names, so ``/name`` in Steward's text reads ``/steward name``."""
        self.slash = slash
        self._commands = blocks.command_pattern(names)

    def _slack_spelling(self, action: Action) -> Action:
        content = getattr(action, "content", None)
        if not isinstance(content, Content) or self._commands is None:
            return action
        spelled = blocks.slash_commands(content, self.slash, self._commands)
        return action if spelled is content else dataclasses.replace(action, content=spelled)  # type: ignore[call-arg]

    async def perform(self, action: Action) -> ActionResult:
        """Perform one action; Slack errors become failures with a readable reason."""
        try:
            result = await self._perform(self._slack_spelling(action))
            return result if result.action is action else dataclasses.replace(result, action=action)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "error")
            code = ("dm_closed" if isinstance(action, SendDirect) and error in DM_CLOSED else
                    "not_found" if error in NOT_FOUND else "forbidden" if error in FORBIDDEN else
                    "rate_limited" if error == "ratelimited" else "slack_error")
            return ActionResult.failure(action, f"Slack said {error}", code)

    async def _perform(self, action: Action) -> ActionResult:
        match action:
            case SendMessage(channel=channel, content=content, reply_to=reply_to):
                ref = await self.post(channel.id, content, thread=reply_to.id if reply_to else None)
                return ActionResult.success(action, ref)
            case Reply():
                return await self._reply(action)
            case SendDirect(user=user, content=content, scope=scope):
                ref = await self.direct(user.id, content, team=scope or self.team_of_user(user.id))
                return ActionResult.success(action, ref)
            case EditMessage(message=message, content=content):
                client = await self.bot_client(self.team_of_channel(message.channel_id))
                await client.chat_update(channel=message.channel_id, ts=message.id, text=blocks.fallback_text(content),
                                         blocks=blocks.message_blocks(content))
                return ActionResult.success(action, message)
            case DeleteMessage(message=message):
                await self.delete(message)
                return ActionResult.success(action)
            case BulkDelete(messages=messages):
                failed = 0
                for m in messages:
                    try:
                        await self.delete(m)
                    except SlackApiError:
                        failed += 1
                if failed == len(messages) and messages:
                    return ActionResult.failure(action, "none of the messages could be deleted", "forbidden")
                return ActionResult.success(action)
            case KickMember(scope=scope, user=user):
                return await self._kick(action, scope or self.team_of_user(user.id), user)
            case AddReaction(message=message, emoji=emoji):
                client = await self.bot_client(self.team_of_channel(message.channel_id))
                try:
                    await client.reactions_add(channel=message.channel_id, timestamp=message.id,
                                               name=emoji_name(emoji))
                except SlackApiError as exc:
                    if exc.response.get("error") != "already_reacted":
                        raise
                return ActionResult.success(action)
            case OpenForm(origin=origin, form=form):
                return await self._open_form(action, origin.scope, origin.user, origin.channel, origin.token, form)
            case ShowOnHome(scope=scope, user=user, section=section, content=content, order=order):
                key = (scope, user.id)
                self.home.sections.setdefault(key, {})[section] = (order, content)
                if key not in self.home.collecting:  # outside a HomeOpened: publish right away
                    await self.publish_home(scope, user.id)
                return ActionResult.success(action)
        return ActionResult.failure(action, f"Slack can't {type(action).__name__}", "unsupported")

    # -- messages ---------------------------------------------------------------------------

    async def post(self, channel: str, content: Content, *, thread: str | None = None,
                   team: str | None = None) -> MessageRef:
        """chat.postMessage, paced per channel; joins a public channel once when not in it."""
        client = await self.bot_client(team or self.team_of_channel(channel))
        kwargs: dict[str, Any] = {"channel": channel, "text": blocks.fallback_text(content),
                                  "blocks": blocks.message_blocks(content), "link_names": False,
                                  "unfurl_links": False, "unfurl_media": False}
        if thread:
            kwargs["thread_ts"] = thread
        await self.pacer.wait(channel)
        try:
            resp = await client.chat_postMessage(**kwargs)
        except SlackApiError as exc:
            if exc.response.get("error") != "not_in_channel":
                raise
            await client.conversations_join(channel=channel)
            resp = await client.chat_postMessage(**kwargs)
        return MessageRef(P, str(resp.get("channel") or channel), str(resp.get("ts", "")))

    async def direct(self, user: str, content: Content, *, team: str) -> MessageRef:
        """A DM: conversations.open, then a post there."""
        client = await self.bot_client(team)
        opened = await client.conversations_open(users=user)
        channel = str((opened.get("channel") or {}).get("id", ""))
        return await self.post(channel, content, team=team)

    async def ephemeral(self, team: str, channel: str, user: str, content: Content) -> None:
        """chat.postEphemeral: only ``user`` sees it."""
        client = await self.bot_client(team)
        await client.chat_postEphemeral(channel=channel, user=user, text=blocks.fallback_text(content),
                                        blocks=blocks.message_blocks(content), link_names=False)

    async def _reply(self, action: Reply) -> ActionResult:
        origin, content = action.origin, action.content
        team, user = origin.scope, origin.user.id
        known: Interaction | None = self.interactions.get(origin.token)
        channel = origin.channel.id if origin.channel else (known.channel if known else None)
        if action.ephemeral:
            if known is not None and known.response_url and await self._respond(known.response_url, content):
                return ActionResult.success(action)
            if channel and not channel.startswith("D"):
                try:
                    await self.ephemeral(team, channel, user, content)
                    return ActionResult.success(action)
                except SlackApiError as exc:  # Steward is not in that channel: say it privately instead
                    log.info("slack: ephemeral reply in %s failed (%s); sending a DM", channel,
                             exc.response.get("error"))
            return ActionResult.success(action, await self.direct(user, content, team=team))
        if channel:
            return ActionResult.success(action, await self.post(channel, content, team=team))
        return ActionResult.success(action, await self.direct(user, content, team=team))

    async def _respond(self, url: str, content: Content) -> bool:
        """Answer through the interaction's response_url (works where Steward is not a member)."""
        try:
            resp = await AsyncWebhookClient(url, timeout=int(self.webhook_timeout)).send(
                text=blocks.fallback_text(content), blocks=blocks.message_blocks(content),
                response_type="ephemeral", replace_original=False)
        except Exception as exc:  # a dead or expired response_url: fall back to the Web API
            log.info("slack: response_url failed (%s); using the Web API", exc)
            return False
        if not 200 <= resp.status_code < 300:
            log.info("slack: response_url answered %s %s; using the Web API", resp.status_code, resp.body[:100])
            return False
        return _accepted(resp.body)

    async def delete(self, message: MessageRef) -> None:
        """chat.delete with the admin's user token (others' messages), else the bot's (its own)."""
        team = self.team_of_channel(message.channel_id)
        if self.admin_client is not None:
            try:
                await self.admin_client.chat_delete(channel=message.channel_id, ts=message.id)
                return
            except SlackApiError as exc:
                if exc.response.get("error") not in ("cant_delete_message", "not_in_channel", "channel_not_found"):
                    raise
        client = await self.bot_client(team)
        await client.chat_delete(channel=message.channel_id, ts=message.id)

    async def _kick(self, action: KickMember, team: str, user: UserRef) -> ActionResult:
        """Slack has no workspace kick for bots: remove the member from every channel Steward is in."""
        client = await self.bot_client(team)
        channels: list[str] = []
        cursor: str | None = None
        while True:
            resp = await client.users_conversations(user=user.id, types="public_channel,private_channel",
                                                    exclude_archived=True, limit=1000, cursor=cursor)
            channels += [str(c["id"]) for c in resp.get("channels") or []]
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        kicked, problems = 0, []
        for channel in channels:
            try:
                await client.conversations_kick(channel=channel, user=user.id)
                kicked += 1
            except SlackApiError as exc:
                problems.append(f"{channel}: {exc.response.get('error')}")
        if kicked == 0:
            why = "; ".join(problems) or "they are in no channel Steward is in"
            return ActionResult.failure(action, f"removed from no channel ({why})", "forbidden")
        if problems:
            log.warning("slack: kick of %s left them in %s", user.id, ", ".join(problems))
        return ActionResult.success(action)

    # -- forms and home ---------------------------------------------------------------------

    async def _open_form(self, action: Action, team: str, user: UserRef, channel: ChannelRef | None,
                         trigger: str | None, form: Form) -> ActionResult:
        meta = {"channel": channel.id} if channel else {}
        if trigger:
            client = await self.bot_client(team)
            try:
                await client.views_open(trigger_id=trigger, view=blocks.modal(form, meta))
                self.open_forms.put(form.custom_id, form)
                return ActionResult.success(action)
            except SlackApiError as exc:
                if exc.response.get("error") not in ("expired_trigger_id", "invalid_trigger_id"):
                    raise
        # No (fresh) trigger: Slack opens forms only in answer to a click, so offer a button.
        key = f"{user.id}-{int(time.monotonic() * 1000) % 10**9}"
        self.pending_forms.put(key, (form, meta))
        offer = fmt("{title}: press the button to open the form.", title=form.title).with_buttons(
            Button("Open form", OPEN_FORM, key, style="primary"))
        if channel is not None and not channel.id.startswith("D"):
            await self.ephemeral(team, channel.id, user.id, offer)
        else:
            await self.direct(user.id, offer, team=team)
        return ActionResult.success(action)

    async def open_pending(self, team: str, key: str, trigger: str) -> bool:
        """The member pressed "Open form": open the form they were offered."""
        pending = self.pending_forms.get(key)
        if pending is None:
            return False
        form, meta = pending
        client = await self.bot_client(team)
        await client.views_open(trigger_id=trigger, view=blocks.modal(form, meta))
        self.open_forms.put(form.custom_id, form)
        return True

    async def publish_home(self, team: str, user: str) -> None:
        """views.publish of the member's whole home view."""
        client = await self.bot_client(team)
        await client.views_publish(user_id=user, view=self.home.view((team, user)))


RESPONSE_URL_ERRORS = {"expired_url", "used_url", "invalid_token", "no_text", "invalid_payload", "no_service",
                       "channel_not_found", "action_prohibited", "posting_to_general_channel_denied"}


def form_of(forms: Expiring, view: dict[str, Any]) -> Form | None:
    """The Form behind a submitted view: the one Steward opened, else read back from the view."""
    remembered = forms.get(str(view.get("callback_id") or ""))
    return remembered if isinstance(remembered, Form) else blocks.form_from_view(view)


def _accepted(body: str) -> bool:
    """Whether a response_url's 2xx answer really took the message: Slack also says ``expired_url``
    or ``{"ok": false}`` with a 200."""
    answer = (body or "").strip()
    if answer.startswith("{"):
        try:
            data = json.loads(answer)
        except ValueError:
            return True
        ok = not (isinstance(data, dict) and data.get("ok") is False)
    else:
        ok = answer.lower() not in RESPONSE_URL_ERRORS
    if not ok:
        log.info("slack: response_url refused the answer (%s); using the Web API", answer[:100])
    return ok


def expired_note() -> Content:
    """Said when an offered form is no longer available."""
    return text("That form has expired; please start again.")
