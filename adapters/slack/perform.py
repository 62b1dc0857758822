"""Core actions performed through the Slack Web API: escaping, fallbacks, and Slack's answers as results
the outbox can retry (a 429 with its Retry-After, a 5xx, a lost answer); the outbox paces each channel."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import blocks
from adapters.slack.translate import emoji_name
from bot.action_table import ActionTable
from bot.actions import (
    UNAVAILABLE,
    UNSURE,
    Action,
    ActionResult,
    AddReaction,
    BulkDelete,
    CreateThread,
    DeleteMessage,
    EditMessage,
    File,
    KickMember,
    OpenForm,
    Reply,
    SendDirect,
    SendMessage,
    ShowOnHome,
    map_content,
)
from bot.capabilities import Capability
from bot.components import Button, Form
from bot.content import CommandMention, Content, UserText, fmt, spell_commands, text
from bot.expiring import Expiring
from bot.policies import EPHEMERAL_UNAVAILABLE
from bot.refs import MessageRef

log = logging.getLogger(__name__)
P = "slack"

ClientFor = Callable[[str], Awaitable[AsyncWebClient]]
DM_CLOSED = {"cannot_dm_bot", "user_disabled", "user_not_found", "user_not_visible", "not_allowed_token_type"}
NOT_FOUND = {"channel_not_found", "message_not_found", "user_not_found", "not_in_channel"}
FORBIDDEN = {"cant_delete_message", "cant_update_message", "cant_kick_self", "cant_kick_from_general",
             "restricted_action", "not_authorized", "missing_scope", "method_not_supported_for_channel_type"}
OPEN_FORM = "slack:open-form"


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
                 webhook_timeout: float = 10.0) -> None:
        self.bot_client = bot_client
        self.admin_client = admin_client
        self.team_of_channel = team_of_channel
        self.team_of_user = team_of_user
        self.interactions: Expiring[Interaction] = Expiring(ttl=25 * 60)  # response_url lives 30 min
        self.pending_forms: Expiring[tuple[Form, dict[str, str]]] = Expiring(ttl=15 * 60)
        self.open_forms: Expiring[Form] = Expiring(ttl=60 * 60)  # callback_id -> Form, to validate its submission
        self.home = Home()
        self.webhook_timeout = webhook_timeout
        self.slash = "/steward"
        self.table = self._table()
        # the outbox key of the effect being performed in this task, and the message already posted
        # for a key whose files (or thread reply) have yet to follow: a retry posts the rest, not the
        # message again (files upload v2 is calls of its own after chat.postMessage)
        self._key: ContextVar[str | None] = ContextVar(f"slack-key-{id(self)}", default=None)
        self._posted: Expiring[MessageRef] = Expiring(ttl=2 * 24 * 3600)

    def spell(self, mention: CommandMention) -> str:
        """A command as Slack members type it: through Steward's one slash command (``/steward appeal``)."""
        return f"{self.slash} {mention.plain().removeprefix('/')}"

    async def perform(self, action: Action, *, key: str | None = None) -> ActionResult:
        """Perform one action; Slack errors become failures with a readable reason.

        ``key`` (the outbox's idempotency key) lets a retry of a post with files skip the post.
        """
        token = self._key.set(key)
        try:
            return await self._perform(action)
        finally:
            self._key.reset(token)

    async def _perform(self, action: Action) -> ActionResult:
        try:
            spelled = map_content(action, lambda content: spell_commands(content, self.spell))
            result = await self.table.perform(spelled)
            return result if result.action is action else dataclasses.replace(result, action=action)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "error")
            status = exc.response.status_code
            if status == 429:
                return ActionResult.rate_limited(action, _retry_after(exc.response.headers))
            if status >= 500:
                return ActionResult.failure(action, f"Slack answered {status}", UNAVAILABLE)
            code = ("dm_closed" if isinstance(action, SendDirect) and error in DM_CLOSED else
                    "not_found" if error in NOT_FOUND else "forbidden" if error in FORBIDDEN else
                    "rate_limited" if error == "ratelimited" else "slack_error")
            if code == "dm_closed":  # read by moderators in the mod log's report: say it in words
                return ActionResult.failure(action, f"that member can't receive direct messages (Slack said {error})",
                                            code)
            return ActionResult.failure(action, f"Slack said {error}", code)
        except aiohttp.ClientConnectorError as exc:  # never reached Slack: safe to try again
            return ActionResult.failure(action, f"Slack unreachable: {exc}", UNAVAILABLE)
        except (aiohttp.ClientError, TimeoutError) as exc:
            # the request may have reached Slack and its answer was lost; Slack can't tell us
            # whether a post arrived, so a post is not repeated (the outbox reports it)
            code = UNSURE if isinstance(action, (SendMessage, SendDirect, Reply, CreateThread)) else UNAVAILABLE
            return ActionResult.failure(action, f"Slack's answer was lost: {type(exc).__name__}", code)

    def _table(self) -> ActionTable:
        table = ActionTable()
        table.add(SendMessage, self._send, also=[Capability.BUTTONS, Capability.FILES])
        table.add(CreateThread, self._thread)
        table.add(Reply, self._reply, also=[Capability.EPHEMERAL])
        table.add(SendDirect, self._direct)
        table.add(EditMessage, self._edit)
        table.add(KickMember, self._kick)
        table.add(AddReaction, self._react)
        table.add(OpenForm, self._open_form)
        table.add(ShowOnHome, self._show_on_home)
        if self.admin_client is not None:  # a bot deletes only its own messages; an admin's token deletes any
            table.add(DeleteMessage, self._delete)
            table.add(BulkDelete, self._bulk_delete)
        table.receives(Capability.READ_MESSAGES)
        return table

    async def _send(self, action: SendMessage) -> ActionResult:
        reply_to, thread = action.reply_to, action.thread
        # a Slack thread is its first message's ts (what CreateThread returned)
        where = thread.channel_id if thread is not None else action.channel.id
        thread_ts = thread.id if thread is not None else reply_to.id if reply_to else None
        key = self._key.get()
        ref = self._posted.get(key) if key is not None and action.files else None
        if ref is None:
            ref = await self.post(where, action.content, thread=thread_ts)
        if action.files:  # files upload v2, shown right under the message (and in its thread)
            if key is not None:
                self._posted.put(key, ref)  # if the upload fails, its retry doesn't post the message again
            await self.upload(where, action.files, thread=thread_ts)
        return ActionResult.success(action, ref)

    async def _thread(self, action: CreateThread) -> ActionResult:
        root, content = action.message, action.content
        if root is None:  # Slack threads hang off a message: post one that names the thread
            named = Content((UserText(action.name),))
            root = await self.post(action.channel.id, named if content is None else content)
        elif content is not None:
            await self.post(action.channel.id, content, thread=root.id)
        return ActionResult.success(action, MessageRef(P, root.channel_id, root.id), ref=root.id)

    async def _direct(self, action: SendDirect) -> ActionResult:
        user = action.user
        ref = await self.direct(user.id, action.content, team=action.scope or self.team_of_user(user.id))
        return ActionResult.success(action, ref)

    async def _edit(self, action: EditMessage) -> ActionResult:
        message, content = action.message, action.content
        client = await self.bot_client(self.team_of_channel(message.channel_id))
        await client.chat_update(channel=message.channel_id, ts=message.id, text=blocks.fallback_text(content),
                                 blocks=blocks.message_blocks(content))
        return ActionResult.success(action, message)

    async def _delete(self, action: DeleteMessage) -> ActionResult:
        await self.delete(action.message)
        return ActionResult.success(action)

    async def _bulk_delete(self, action: BulkDelete) -> ActionResult:
        failed = 0
        for m in action.messages:
            try:
                await self.delete(m)
            except SlackApiError:
                failed += 1
        if failed == len(action.messages) and action.messages:
            return ActionResult.failure(action, "none of the messages could be deleted", "forbidden")
        return ActionResult.success(action)

    async def _react(self, action: AddReaction) -> ActionResult:
        message = action.message
        client = await self.bot_client(self.team_of_channel(message.channel_id))
        try:
            await client.reactions_add(channel=message.channel_id, timestamp=message.id, name=emoji_name(action.emoji))
        except SlackApiError as exc:
            if exc.response.get("error") != "already_reacted":
                raise
        return ActionResult.success(action)

    async def _show_on_home(self, action: ShowOnHome) -> ActionResult:
        key = (action.scope, action.user.id)
        self.home.sections.setdefault(key, {})[action.section] = (action.order, action.content)
        if key not in self.home.collecting:  # outside a HomeOpened: publish right away
            await self.publish_home(action.scope, action.user.id)
        return ActionResult.success(action)

    # -- messages ---------------------------------------------------------------------------

    async def post(self, channel: str, content: Content, *, thread: str | None = None,
                   team: str | None = None) -> MessageRef:
        """chat.postMessage (paced per channel by the outbox); joins a public channel once when not in it."""
        client = await self.bot_client(team or self.team_of_channel(channel))
        kwargs: dict[str, Any] = {"channel": channel, "text": blocks.fallback_text(content),
                                  "blocks": blocks.message_blocks(content), "link_names": False,
                                  "unfurl_links": False, "unfurl_media": False}
        if thread:
            kwargs["thread_ts"] = thread
        try:  # paced by the outbox, which sees every post to this channel, retries included
            resp = await client.chat_postMessage(**kwargs)
        except SlackApiError as exc:
            if exc.response.get("error") != "not_in_channel":
                raise
            await client.conversations_join(channel=channel)
            resp = await client.chat_postMessage(**kwargs)
        return MessageRef(P, str(resp.get("channel") or channel), str(resp.get("ts", "")))

    async def upload(self, channel: str, files: Sequence[File], *, thread: str | None = None) -> None:
        """files.getUploadURLExternal, the upload, files.completeUploadExternal (slack-sdk's v2)."""
        client = await self.bot_client(self.team_of_channel(channel))
        await client.files_upload_v2(
            channel=channel, thread_ts=thread, request_file_info=False,
            file_uploads=[{"content": f.data, "filename": f.name, "title": f.name} for f in files])

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
            why = "no channel to answer in"
            if channel and not channel.startswith("D"):
                try:
                    await self.ephemeral(team, channel, user, content)
                    return ActionResult.success(action)
                except SlackApiError as exc:  # Steward is not in that channel
                    why = f"chat.postEphemeral in {channel}: {exc.response.get('error')}"
                    log.info("slack: ephemeral reply failed (%s)", why)
            elif channel:
                why = "Slack shows a bot's ephemeral messages in channels, not in a DM"
            # the core's policy decides where a private answer goes instead (bot.policies)
            return ActionResult.failure(action, why, EPHEMERAL_UNAVAILABLE)
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

    async def _kick(self, action: KickMember) -> ActionResult:
        """Slack has no workspace kick for bots: remove the member from every channel Steward is in."""
        user = action.user
        team = action.scope or self.team_of_user(user.id)
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

    async def _open_form(self, action: OpenForm) -> ActionResult:
        origin, form = action.origin, action.form
        team, user, channel, trigger = origin.scope, origin.user, origin.channel, origin.token
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


def _retry_after(headers: Any) -> float:
    """Slack's Retry-After in seconds (1 when it is missing or unreadable)."""
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(float(value), 0.0) if value is not None else 1.0
    except (TypeError, ValueError):
        return 1.0
