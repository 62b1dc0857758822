"""slack-bolt's AsyncApp: construction, listeners, the HTTP server and the Socket Mode connection.

Every listener acknowledges first and works afterwards (``process_before_response=False``),
drops deliveries it has already seen, and hands a core event to the adapter.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks, translate
from adapters.slack.dedupe import Seen
from adapters.slack.names import Directory
from adapters.slack.perform import OPEN_FORM, Interaction, Performer, expired_note, form_of
from adapters.slack.settings import SlackSettings
from adapters.slack.verify import is_valid_request
from adapters.slack.watchdog import Watchdog
from bot.actions import Action, ActionResult, Reply
from bot.components import decode_custom_id
from bot.errors import StartupError
from bot.events import Event, MemberJoined

log = logging.getLogger("adapters.slack")
STEWARD_IDS = re.compile(r"^st1\|")
CACHE_EVENTS = {
    "user_change": "user", "user_profile_changed": "user",
    "subteam_created": "groups", "subteam_updated": "groups", "subteam_members_changed": "groups",
    "channel_created": "channels", "channel_rename": "channels", "channel_archive": "channels",
    "channel_unarchive": "channels", "channel_deleted": "channels", "group_rename": "channels",
}


def _retry_note(request: AsyncBoltRequest | None, body: Mapping[str, Any]) -> str:
    num: object = None
    if request is not None:
        num = next(iter(request.headers.get("x-slack-retry-num") or []), None)
    num = num or body.get("retry_attempt")
    return f" (retry {num})" if num else ""


class Link(Protocol):
    """What the server needs from the adapter: its state and a few callables (the adapter is one)."""

    settings: SlackSettings
    client: AsyncWebClient
    db: Any
    store: Any
    bots: dict[str, tuple[str, str]]
    directory: Directory
    performer: Performer
    seen: Seen
    port: int | None
    hand_off: Callable[[Event], Awaitable[bool]]

    def new_client(self, token: str | None) -> AsyncWebClient: ...

    async def emit(self, event: Event) -> None: ...

    def forget_team(self, team: str) -> None: ...

    async def perform(self, action: Action) -> ActionResult: ...



class Server:
    """The AsyncApp plus whatever carries Slack's requests to it (HTTP server or Socket Mode)."""

    def __init__(self, adapter: Link) -> None:
        self.adapter = adapter
        self.settings = adapter.settings
        self.app = self._build_app()
        self._wire()
        self.runner: web.AppRunner | None = None
        self.socket: Any = None
        self.watchdog: Watchdog | None = None
        self.dropped = 0  # repeated deliveries dropped (retries, redeliveries)

    # -- construction -----------------------------------------------------------------------

    def _build_app(self) -> AsyncApp:
        s = self.settings
        http = s.mode == "http"
        common: dict[str, Any] = {"name": "steward", "process_before_response": False,
                                  "request_verification_enabled": http, "ignoring_self_events_enabled": True,
                                  "logger": logging.getLogger("adapters.slack.bolt")}
        if http:
            common["signing_secret"] = s.signing_secret
        if not s.uses_oauth:
            return AsyncApp(client=self.adapter.client, **common)
        from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
        from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
        from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore

        from adapters.slack.install_store import STATES_TABLE

        oauth = s.oauth
        assert oauth is not None
        states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=self.adapter.db.engine,
                                                table_name=STATES_TABLE)
        settings = AsyncOAuthSettings(
            client_id=oauth.client_id, client_secret=oauth.client_secret, scopes=oauth.scopes,
            user_scopes=oauth.user_scopes or None, redirect_uri=oauth.redirect_uri,
            install_path=oauth.install_path, redirect_uri_path=oauth.redirect_path,
            authorization_url=oauth.authorize_url, installation_store=self.adapter.store, state_store=states)
        flow = AsyncOAuthFlow(client=self.adapter.new_client(None), settings=settings)
        return AsyncApp(client=self.adapter.new_client(None), oauth_flow=flow,
                        installation_store=self.adapter.store, **common)

    def _wire(self) -> None:
        app = self.app
        app.event("message")(self.on_message)
        app.event("team_join")(self.on_team_join)
        app.event("member_joined_channel")(self.on_channel_join)
        app.event("reaction_added")(self.on_reaction)
        app.event("app_home_opened")(self.on_home)
        app.event("tokens_revoked")(self.on_tokens_revoked)
        app.event("app_uninstalled")(self.on_uninstalled)
        app.event(re.compile("^(" + "|".join(CACHE_EVENTS) + ")$"))(self.on_directory_change)
        app.command(self.settings.command)(self.on_command)
        app.action(STEWARD_IDS)(self.on_action)
        app.shortcut(re.compile("^" + translate.SHORTCUT_PREFIX))(self.on_message_shortcut)
        app.view_submission(STEWARD_IDS)(self.on_view_submission)
        app.view_closed(STEWARD_IDS)(self.on_view_closed)
        app.event(re.compile(".*"))(self.on_other_event)  # subscribed but unused: 200, not 404

    # -- events -----------------------------------------------------------------------------

    def _first(self, body: Mapping[str, Any], *extra: str, request: AsyncBoltRequest | None = None) -> bool:
        """True for a new delivery; retries (same event_id) and redeliveries (same key) are dropped."""
        event_id = str(body.get("event_id") or "")
        keys = [f"id:{event_id}" if event_id else "", *extra]
        if self.adapter.seen.first(keys):
            return True
        self.dropped += 1
        log.info("slack: dropped a repeated delivery of %s%s", event_id or extra, _retry_note(request, body))
        return False

    @staticmethod
    def _team(body: Mapping[str, Any], context: Mapping[str, Any]) -> str:
        return str(context.get("team_id") or body.get("team_id") or translate.team_of(body))

    async def on_message(self, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any],
                         request: AsyncBoltRequest) -> None:
        channel, ts = event.get("channel", ""), event.get("ts", "")
        if not self._first(body, f"msg:{channel}:{ts}", request=request):
            return
        team = self._team(body, context)
        author = event.get("user") or (event.get("message") or {}).get("user")
        if self._is_self(team, context, author, event.get("bot_id") or (event.get("message") or {}).get("bot_id")):
            return  # e.g. Slack's message_changed for Steward's own mod-log post, which quotes the bad word
        name = await self._name_of(team, str(author)) if author else ""
        core = translate.message(event, team=team, event_id=str(body.get("event_id") or f"{channel}:{ts}"),
                                 author_name=name, channel_name=self.adapter.directory.channel_name(team, channel))
        if core is not None:
            await self.adapter.emit(core)

    def _is_self(self, team: str, context: Mapping[str, Any], user: object, bot_id: object) -> bool:
        mine_user, mine_bot = self.adapter.bots.get(team, ("", ""))
        mine_user = str(context.get("bot_user_id") or mine_user)
        mine_bot = str(context.get("bot_id") or mine_bot)
        return bool((user and user == mine_user) or (bot_id and bot_id == mine_bot))

    async def _name_of(self, team: str, user: str) -> str:
        try:
            info = await self.adapter.directory.user(team, user)
        except Exception as exc:  # a name is nice to have; the message still goes through
            log.debug("slack: no name for %s: %s", user, exc)
            return ""
        if not info:
            return ""
        profile = info.get("profile") or {}
        return str(profile.get("display_name") or profile.get("real_name") or info.get("name") or "")

    async def on_team_join(self, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any],
                           request: AsyncBoltRequest) -> None:
        user = (event.get("user") or {}).get("id", "")
        if not self._first(body, f"join:{user}", request=request):
            return
        team = self._team(body, context)
        self.adapter.directory.forget_user(team, str(user))
        core = translate.team_join(event, team=team, event_id=str(body.get("event_id") or f"join:{user}"))
        if core is not None:
            await self.adapter.emit(core)

    async def on_channel_join(self, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any],
                              request: AsyncBoltRequest) -> None:
        team = self._team(body, context)
        channel, user = str(event.get("channel", "")), str(event.get("user", ""))
        if user == self.adapter.bots.get(team, ("", ""))[0]:
            self.adapter.directory.forget_channels(team)  # Steward was added to a channel
            return
        counted = {c.lstrip("#").lower() for c in self.settings.join_channels}
        name = self.adapter.directory.channel_name(team, channel).lstrip("#").lower()
        if not name or name not in counted or not self._first(body, f"join:{user}:{channel}", request=request):
            return
        core = translate.channel_join(event, team=team, event_id=str(body.get("event_id") or ""),
                                      name=await self._name_of(team, user))
        if isinstance(core, MemberJoined):
            await self.adapter.emit(core)

    async def on_reaction(self, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any],
                          request: AsyncBoltRequest) -> None:
        item = event.get("item") or {}
        key = f"react:{item.get('channel')}:{item.get('ts')}:{event.get('user')}:{event.get('reaction')}"
        if not self._first(body, f"{key}:{event.get('event_ts')}", request=request):
            return
        core = translate.reaction(event, team=self._team(body, context), event_id=str(body.get("event_id") or key))
        if core is not None:
            await self.adapter.emit(core)

    async def on_home(self, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
        if not self._first(body):
            return
        team = self._team(body, context)
        core = translate.home_opened(event, team=team, event_id=str(body.get("event_id") or ""))
        if core is None:
            return
        key = (team, core.user.id)
        home = self.adapter.performer.home
        home.collecting.add(key)
        try:
            await self.adapter.emit(core)  # cogs answer with ShowOnHome sections, collected here
        finally:
            home.collecting.discard(key)
        await self.adapter.performer.publish_home(team, core.user.id)

    async def on_tokens_revoked(self, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
        team = self._team(body, context)
        tokens = event.get("tokens") or {}
        store = self.adapter.store
        if store is None:
            log.error("slack: Slack revoked Steward's tokens in workspace %s; it can no longer act there", team)
            return
        for user in tokens.get("oauth") or []:
            await store.async_delete_installation(enterprise_id=None, team_id=team, user_id=user)
        if tokens.get("bot"):
            await store.async_delete_bot(enterprise_id=None, team_id=team)
            self.adapter.forget_team(team)
        log.warning("slack: tokens revoked in workspace %s; its stored tokens were deleted", team)

    async def on_uninstalled(self, body: dict[str, Any], context: dict[str, Any]) -> None:
        team = self._team(body, context)
        if self.adapter.store is not None:
            await self.adapter.store.async_delete_all(enterprise_id=None, team_id=team)
        self.adapter.forget_team(team)
        log.warning("slack: Steward was uninstalled from workspace %s; its stored tokens were deleted", team)

    async def on_directory_change(self, body: dict[str, Any], event: dict[str, Any],
                                  context: dict[str, Any]) -> None:
        team, kind = self._team(body, context), CACHE_EVENTS.get(str(event.get("type")), "")
        directory = self.adapter.directory
        if kind == "user":
            user = event.get("user")
            directory.forget_user(team, str(user.get("id") if isinstance(user, dict) else user))
            gone = translate.account_deleted(event, team=team, event_id=str(body.get("event_id") or ""))
            if gone is not None and self._first(body, f"deleted:{gone.member.id}:{event.get('event_ts')}"):
                await self.adapter.emit(gone)
        elif kind == "groups":
            # Apply what the event says at once (a member added to Moderators can moderate now), and
            # still reload on the next lookup: events can arrive out of order or be missed.
            subteam = event.get("subteam")
            if isinstance(subteam, dict):
                directory.learn_group(team, subteam)
            if event.get("type") == "subteam_members_changed":
                directory.change_members(team, str(event.get("subteam_id") or ""),
                                         list(event.get("added_users") or []), list(event.get("removed_users") or []))
            directory.forget_groups(team)
        else:
            channel = event.get("channel")
            if isinstance(channel, dict) and channel.get("id"):  # created or renamed: the new name at once
                directory.learn_channel(team, str(channel["id"]), str(channel.get("name") or "") or None)
            elif isinstance(channel, str) and event.get("type") in ("channel_deleted", "channel_archive"):
                directory.learn_channel(team, channel, None)
            directory.forget_channels(team)

    async def on_other_event(self, body: dict[str, Any]) -> None:
        log.debug("slack: ignored event %s", (body.get("event") or {}).get("type"))

    # -- interactions -----------------------------------------------------------------------

    async def on_command(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        token = str(body.get("trigger_id") or "")
        self.adapter.performer.interactions.put(token, Interaction(body.get("response_url"), body.get("channel_id")))
        await self.adapter.emit(translate.slash_command(body, token=token))

    async def on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any],
                        context: dict[str, Any]) -> None:
        await ack()
        token = str(body.get("trigger_id") or "")
        channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
        self.adapter.performer.interactions.put(token, Interaction(body.get("response_url"), channel))
        decoded = decode_custom_id(str(action.get("action_id", "")))
        core = translate.block_action(body, action, token=token)
        if core is None:
            return
        if decoded is not None and decoded[0] == OPEN_FORM:
            if await self.adapter.performer.open_pending(self._team(body, context), decoded[1], token):
                return
            # offered by another process (several on one PostgreSQL): the press goes to it (adapter.consume)
            if not await self.adapter.hand_off(core):
                await self.adapter.perform(Reply(origin=core.origin, content=expired_note()))
            return
        await self.adapter.emit(core)

    async def on_message_shortcut(self, ack: Any, body: dict[str, Any]) -> None:
        """A message shortcut ("Send to feedback"): the message goes to the core as ``MessageShared``."""
        await ack()
        token = str(body.get("trigger_id") or "")
        channel = (body.get("channel") or {}).get("id")
        self.adapter.performer.interactions.put(token, Interaction(body.get("response_url"), channel))
        core = translate.message_action(body, token=token)
        if core is not None:
            await self._emit_once(core)

    async def on_view_submission(self, ack: Any, body: dict[str, Any]) -> None:
        view = body.get("view") or {}
        form = form_of(self.adapter.performer.open_forms, view)
        errors = blocks.form_errors(form, blocks.form_values(view)) if form is not None else {}
        if errors:  # Slack shows them under the fields and keeps the modal open with what was typed
            await ack(response_action="errors", errors=errors)
            return
        await ack()  # closes the modal; the core's answer arrives as a message
        core = translate.view_submission(body)
        if core is not None:
            await self._emit_once(core)

    async def on_view_closed(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        core = translate.view_closed(body)
        if core is not None:
            await self._emit_once(core)

    async def _emit_once(self, core: Event) -> None:
        if self.adapter.seen.first([f"id:{core.event_id}"]):
            await self.adapter.emit(core)

    # -- transports -------------------------------------------------------------------------

    async def start(self) -> None:
        """Serve HTTP (events, interactivity, OAuth pages) or connect Socket Mode."""
        if self.settings.mode == "http":
            await self._serve_http()
        else:
            await self._connect_socket()

    async def _serve_http(self) -> None:
        s = self.settings
        web_app = web.Application(client_max_size=2 * 1024 * 1024)
        web_app.router.add_post(s.path, self.handle_post)
        web_app.router.add_get("/healthz", self.handle_health)
        flow = self.app.oauth_flow
        if flow is not None:
            web_app.router.add_get(flow.install_path, self.handle_oauth)
            web_app.router.add_get(flow.redirect_uri_path, self.handle_oauth)
        self.runner = web.AppRunner(web_app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, s.host, s.port)
        try:
            await site.start()
        except OSError as exc:
            await self.runner.cleanup()
            raise StartupError(f"slack: can't listen on {s.host}:{s.port} ({exc.strerror or exc})") from None
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.adapter.port = sockets[0].getsockname()[1] if sockets else s.port
        log.info("slack: HTTP mode, events at http://%s:%s%s", s.host, self.adapter.port, s.path)

    async def handle_post(self, request: web.Request) -> web.Response:
        """Verify the signature (any malformed request is a 401), then let bolt ack and dispatch."""
        body = await request.read()
        if not is_valid_request(self.settings.signing_secret, body, request.headers):
            return web.Response(status=401, text="invalid signature")
        bolt_request = AsyncBoltRequest(body=body.decode("utf-8"), query=request.query_string,
                                        headers={k: v for k, v in request.headers.items()})
        response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    async def handle_oauth(self, request: web.Request) -> web.Response:
        """The install page and the OAuth redirect (bolt's OAuth flow)."""
        flow = self.app.oauth_flow
        assert flow is not None
        bolt_request = await to_bolt_request(request)
        if request.path == flow.install_path:
            response = await flow.handle_installation(bolt_request)
        else:
            response = await flow.handle_callback(bolt_request)
        return await to_aiohttp_response(response)

    async def handle_health(self, _request: web.Request) -> web.Response:
        """For load balancers."""
        return web.Response(text="ok")

    async def _connect_socket(self) -> None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        s = self.settings
        web_client = self.adapter.new_client(None)
        self.socket = AsyncSocketModeHandler(self.app, s.app_token, web_client=web_client,
                                             ping_interval=s.ping_interval_seconds)
        client = self.socket.client
        self.watchdog = Watchdog(s.watchdog_seconds, pong_time=lambda: client.last_ping_pong_time)
        client.on_message_listeners.append(self.watchdog.saw)
        try:
            await self.socket.connect_async()
        except Exception as exc:
            await self.socket.close_async()
            raise StartupError(f"slack: Socket Mode could not connect ({exc}); check platforms.slack.app_token "
                               "(xapp-..., scope connections:write)") from None
        self.watchdog.start()
        log.info("slack: Socket Mode connected")

    async def stop(self) -> None:
        """Close the connection or the server."""
        if self.watchdog is not None:
            await self.watchdog.stop()
        if self.socket is not None:
            await self.socket.close_async()
            self.socket = None
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
