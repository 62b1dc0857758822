"""The Slack adapter: one workspace with a bot token, or several through OAuth."""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import Server
from adapters.slack.dedupe import Seen
from adapters.slack.names import Directory
from adapters.slack.perform import Performer
from adapters.slack.settings import SlackSettings
from bot.actions import Action, ActionResult, Reply
from bot.adapter import EventSink
from bot.commands import CommandSpec
from bot.config.models import CommunityConfig, StewardConfig
from bot.errors import StartupError
from bot.events import ButtonPressed, Event, Origin, event_user
from bot.refs import ChannelRef, MemberInfo, MessageRef, RoleRef, UserRef

log = logging.getLogger("adapters.slack")
P = "slack"

RANK_OWNER, RANK_ADMIN, RANK_STAFF, RANK_BOT = 3, 2, 1, 2


class SlackAdapter:
    """Slack through slack-bolt's AsyncApp (Socket Mode or HTTP), performing actions with the Web API."""

    platform = P

    def __init__(self, settings: SlackSettings, *, config: StewardConfig | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.env = os.environ if env is None else env
        self.migrations = Path(__file__).parent / "migrations" / "versions"  # = adapters.slack.MIGRATIONS
        self.bot_user: UserRef | None = None
        self.team: str | None = None  # the one workspace of a single-workspace install
        self.config_teams = [t for c in (config.communities if config else []) if (t := self.scope_of(c)) is not None]
        self.db: Any = None
        self.sink: EventSink | None = None
        self.seen = Seen()
        self.started = False
        self.bots: dict[str, tuple[str, str]] = {}  # team -> (bot user id, bot id)
        self._channel_team: dict[str, str] = {}
        self._user_team: dict[str, str] = {}
        self._clients: dict[str, AsyncWebClient] = {}
        self._staff_groups: set[str] = set()
        self.client = self.new_client(settings.bot_token if not settings.uses_oauth else None)
        self.admin_client = self.new_client(settings.admin_user_token) if settings.admin_user_token else None
        self.directory = Directory(self.client_for)
        self.performer = Performer(bot_client=self.client_for, admin_client=self.admin_client,
                                   team_of_channel=self.team_of_channel, team_of_user=self.team_of_user)
        self.capabilities = self.performer.table.capabilities()
        self.store: Any = None
        self.server: Any = None  # adapters.slack.app.Server once started
        self.port: int | None = None
        # hands an interaction to its community's process when that is another one (set by bot.processes;
        # False: it is this one, or there is one process)
        self.hand_off: Callable[[Event], Awaitable[bool]] = _not_handed

    def new_client(self, token: str | None) -> AsyncWebClient:
        """A Web API client whose look-ups wait out 429s and retry dropped connections.

        The calls that are effects (posts, edits, deletes, reactions) are never retried by
        slack-sdk: the outbox retries them, with the pacer and its clock in view, and a post
        whose answer was lost is not sent twice.
        """
        return AsyncWebClient(token=token or None, base_url=self.settings.api_url, retry_handlers=[
            _LookupsOnlyConnection(max_retry_count=1),
            _LookupsOnlyRateLimit(max_retry_count=self.settings.retry_limit)])

    @property
    def post_interval(self) -> float:
        """The outbox spaces posts in one channel this far apart (Slack allows about one a second)."""
        return self.settings.post_interval_seconds

    @property
    def edit_window(self) -> float:
        """Edits of one message this close together collapse into the latest (:mod:`bot.outbox.coalesce`)."""
        return self.settings.edit_window_seconds

    # -- life cycle -------------------------------------------------------------------------

    def scope_of(self, community: CommunityConfig) -> str | None:
        """The community's workspace id, from its ``slack:`` section."""
        return community.scope_on(P)

    async def attach_storage(self, db: Any) -> None:
        """The runtime hands over the database (installations live there)."""
        self.db = db

    async def start(self, sink: EventSink) -> None:
        """Check the credentials, then serve HTTP or connect Socket Mode."""
        missing = self.settings.missing()
        if missing:
            raise StartupError(f"slack: {', '.join(missing)} empty in platforms.slack "
                               f"(mode {self.settings.mode}{', oauth' if self.settings.uses_oauth else ''})")
        self.sink = sink
        if self.settings.uses_oauth:
            await self._open_store()
        else:
            await self._identify()
        self.server = Server(self)
        await self.server.start()
        self.started = True

    async def _identify(self) -> None:
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            raise StartupError(f"slack: the bot token was refused ({exc.response.get('error')}); "
                               "check platforms.slack.bot_token") from None
        except OSError as exc:
            raise StartupError(f"slack: can't reach {self.settings.api_url} ({exc})") from None
        self.team = str(auth.get("team_id", ""))
        self.bot_user = UserRef(P, str(auth.get("user_id", "")))
        self.bots[self.team] = (self.bot_user.id, str(auth.get("bot_id") or ""))
        log.info("slack: connected to workspace %s (%s) as %s", auth.get("team"), self.team, auth.get("user"))
        if self.team not in self.config_teams:
            log.warning("slack: no community has slack: {team: %s}; add it to a community in the config "
                        "or Steward will ignore this workspace", self.team)

    async def _open_store(self) -> None:
        from adapters.slack.install_store import EncryptedInstallationStore, KeyError_, load_key

        oauth = self.settings.oauth
        assert oauth is not None
        if self.db is None:
            raise StartupError("slack: oauth needs Steward's database (attach_storage was not called)")
        try:
            fernet = load_key(self.env.get(oauth.key_env), oauth.key_env)
        except KeyError_ as exc:
            raise StartupError(f"slack: {exc}") from None
        self.store = EncryptedInstallationStore(oauth.client_id, self.db.engine, fernet)

    async def stop(self) -> None:
        """Disconnect and stop serving."""
        if self.server is not None:
            await self.server.stop()
            self.server = None
        self.started = False

    # -- workspaces and tokens --------------------------------------------------------------

    async def client_for(self, team: str) -> AsyncWebClient:
        """The bot client of a workspace (its own token in a multi-workspace install)."""
        if not self.settings.uses_oauth:
            return self.client
        client = self._clients.get(team)
        if client is not None:
            return client
        bot = await self.store.async_find_bot(enterprise_id=None, team_id=team) if self.store else None
        if bot is None or not bot.bot_token:
            raise NotInstalled(team)
        client = self._clients[team] = self.new_client(bot.bot_token)
        self.bots[team] = (str(bot.bot_user_id or ""), str(bot.bot_id or ""))
        return client

    def forget_team(self, team: str) -> None:
        """Tokens of a workspace were revoked or the app was uninstalled."""
        self._clients.pop(team, None)
        self.bots.pop(team, None)

    def team_of_channel(self, channel: str) -> str:
        """The workspace a channel belongs to."""
        return self.team or self._channel_team.get(channel) or self._only_team(f"channel {channel}")

    def team_of_user(self, user: str) -> str:
        """The workspace a member was last seen in."""
        return self.team or self._user_team.get(user) or self._only_team(f"member {user}")

    def _only_team(self, what: str) -> str:
        if len(set(self.config_teams)) == 1:
            return self.config_teams[0]
        raise LookupError(f"slack: don't know which workspace {what} is in")

    def learn(self, event: Event) -> None:
        """Remember which workspace the channels and members of an event belong to."""
        message = getattr(event, "message", None)
        if isinstance(message, MessageRef):
            self._channel_team[message.channel_id] = event.scope
        origin = getattr(event, "origin", None)
        if isinstance(origin, Origin) and origin.channel is not None:
            self._channel_team[origin.channel.id] = event.scope
        user = event_user(event)
        if user is not None:
            self._user_team[user.id] = event.scope

    def carry(self, event: Event) -> dict[str, Any] | None:
        """What answering an interaction needs, for the process it is relayed to (``bot.relay``)."""
        origin = getattr(event, "origin", None)
        known = self.performer.interactions.get(origin.token) if isinstance(origin, Origin) else None
        return None if known is None else {"response_url": known.response_url, "channel": known.channel}

    def arrive(self, event: Event, context: Mapping[str, Any]) -> None:
        """An event relayed from another process: remember its interaction and its workspace here."""
        from adapters.slack.perform import Interaction

        origin = getattr(event, "origin", None)
        if isinstance(origin, Origin) and origin.token:
            response_url, channel = context.get("response_url"), context.get("channel")
            self.performer.interactions.put(origin.token, Interaction(
                str(response_url) if response_url else None, str(channel) if channel else None))
        self.learn(event)

    async def consume(self, event: Event) -> bool:
        """A relayed event this adapter answers itself (True): the "Open form" press of a form this process
        offered (its trigger opens the form here), or a note that the offer expired."""
        from adapters.slack.perform import OPEN_FORM, expired_note

        if not isinstance(event, ButtonPressed) or event.action != OPEN_FORM:
            return False
        if not await self.performer.open_pending(event.scope, event.value, event.origin.token or ""):
            await self.perform(Reply(origin=event.origin, content=expired_note()))
        return True

    async def emit(self, event: Event) -> None:
        """Hand an event to the core (after the request was acknowledged)."""
        self.learn(event)
        if self.sink is not None:
            await self.sink(event)

    # -- adapter protocol -------------------------------------------------------------------

    async def perform(self, action: Action) -> ActionResult:
        return await self.perform_once(action, None)

    async def perform_once(self, action: Action, key: str | None) -> ActionResult:
        """:meth:`perform` with the outbox's idempotency key (a retried upload doesn't repost its message)."""
        try:
            return await self.performer.perform(action, key=key)
        except NotInstalled as exc:
            return ActionResult.failure(action, str(exc), "no_platform")
        except LookupError as exc:
            return ActionResult.failure(action, str(exc), "not_found")

    async def register_commands(self, scope: str, commands: Sequence[CommandSpec]) -> None:
        # Slack has one slash command (from the manifest); its first word picks the core command.
        self.performer.slash = self.settings.command
        log.debug("slack %s: %d commands routed through %s", scope, len(commands), self.settings.command)

    async def member(self, scope: str, user: UserRef) -> MemberInfo | None:
        mine = self.bots.get(scope)
        if mine is not None and user.id == mine[0]:
            return await self.bot_member(scope)
        try:
            info = await self.directory.user(scope, user.id)
            if info is None or info.get("deleted"):
                return None
            groups = await self.directory.groups_of(scope, user.id)
        except (SlackApiError, NotInstalled) as exc:
            log.warning("slack %s: can't look up %s: %s", scope, user.id, exc)
            return None
        profile = info.get("profile") or {}
        owner = bool(info.get("is_owner") or info.get("is_primary_owner"))
        admin = bool(info.get("is_admin"))
        rank = RANK_OWNER if owner else RANK_ADMIN if admin else RANK_STAFF if groups & self._staff_groups else 0
        return MemberInfo(user=user, name=str(info.get("name", "")),
                          display_name=str(profile.get("display_name") or profile.get("real_name") or ""),
                          roles=frozenset(RoleRef(P, g) for g in groups), rank=rank, is_owner=owner,
                          is_admin=admin or owner, is_bot=bool(info.get("is_bot")))

    async def bot_member(self, scope: str) -> MemberInfo | None:
        mine = self.bots.get(scope)
        if mine is None:
            try:
                await self.client_for(scope)
            except NotInstalled:
                return None
            mine = self.bots.get(scope)
        if mine is None:
            return None
        return MemberInfo(user=UserRef(P, mine[0]), name="steward", rank=RANK_BOT, is_bot=True)

    async def resolve_channel(self, scope: str, name: str) -> ChannelRef | None:
        found = await self._lookup(scope, "channels", self.directory.channel_id(scope, name))
        if found is None:
            return None
        self._channel_team[found] = scope
        return ChannelRef(P, found)

    async def resolve_role(self, scope: str, name: str) -> RoleRef | None:
        found = await self._lookup(scope, "user groups", self.directory.group_id(scope, name))
        if found is None:
            return None
        self._staff_groups.add(found)  # config roles (moderators, admins) rank above members
        return RoleRef(P, found)

    async def resolve_member(self, scope: str, text: str) -> UserRef | None:
        found = await self._lookup(scope, "members", self.directory.user_id(scope, text))
        return None if found is None else UserRef(P, found)

    async def _lookup(self, scope: str, what: str, pending: Any) -> str | None:
        try:
            result: str | None = await pending
            return result
        except NotInstalled as exc:  # only at start or reload: the runtime reports it and keeps going
            raise StartupError(str(exc)) from None
        except SlackApiError as exc:
            error = exc.response.get("error")
            message = f"slack {scope}: can't list {what} ({error})"
            if error == "missing_scope":
                message += f"; the app needs the scope {exc.response.get('needed', '?')} — see the manifest"
            if not self.started:
                raise StartupError(message) from None
            log.warning(message)
            return None


class NotInstalled(LookupError):
    """A workspace Steward has no token for."""

    def __init__(self, team: str) -> None:
        super().__init__(f"slack workspace {team} has not installed Steward: open the install page "
                         f"(/slack/install) and add it, then reload the config")
        self.team = team


# Web API methods that change what people see: retried by the outbox, never by slack-sdk
EFFECT_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.delete",
                            "reactions.add", "conversations.kick", "views.publish", "files.completeUploadExternal"})


def _is_effect(request: HttpRequest) -> bool:
    return request.url.rstrip("/").rsplit("/", 1)[-1] in EFFECT_METHODS


class _LookupsOnlyConnection(AsyncConnectionErrorRetryHandler):
    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        return not _is_effect(request) and await super()._can_retry_async(
            state=state, request=request, response=response, error=error)


class _LookupsOnlyRateLimit(AsyncRateLimitErrorRetryHandler):
    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        return not _is_effect(request) and await super()._can_retry_async(
            state=state, request=request, response=response, error=error)


async def _not_handed(_event: Event) -> bool:
    return False
