"""A fake Slack on 127.0.0.1: the Web API, response_urls, OAuth and a Socket Mode WebSocket.

Every Web API call is recorded (method, arguments, token, time). Answers come from a small
workspace (users, channels, user groups) that tests can change. ``fail_next`` injects 429s;
``storm`` rate-limits one channel for a span of an injected clock.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web


@dataclass
class Call:
    """One request the fake received."""

    method: str
    args: dict[str, Any]
    token: str
    at: float
    when: datetime | None = None  # the fake's clock (``FakeSlack.clock``) when set
    answer: dict[str, Any] | None = None  # what the fake answered when ok (a post's ``ts``)


@dataclass
class Storm:
    """A channel answering 429 until a time of the fake's clock."""

    method: str
    channel: str
    until: datetime
    retry_afters: Iterator[float]


@dataclass
class Workspace:
    """What the fake knows about one team."""

    id: str
    name: str
    bot_token: str
    bot_user: str = "UBOT"
    bot_id: str = "B0BOT"
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    memberships: dict[str, list[str]] = field(default_factory=dict)  # user -> channel ids Steward shares


def default_workspace(team: str = "T0001", token: str = "xoxb-test") -> Workspace:
    """A workspace with members of every rank, the usual channels and two user groups."""
    def user(uid: str, name: str, **flags: Any) -> dict[str, Any]:
        return {"id": uid, "team_id": team, "name": name, "deleted": False, "is_bot": False,
                "is_admin": False, "is_owner": False, "is_primary_owner": False,
                "profile": {"display_name": name.title(), "real_name": name.title() + " Example"}, **flags}

    ws = Workspace(team, "Acme", token)
    for u in (user("UBOT", "steward", is_bot=True), user("U0ALICE", "alice"), user("U0BOB", "bob"),
              user("U0MOD", "mona"), user("U0ADMIN", "adam", is_admin=True),
              user("U0OWNER", "olga", is_admin=True, is_owner=True, is_primary_owner=True)):
        ws.users[u["id"]] = u
    for cid, name in (("C0GENERAL", "general"), ("C0MODLOG", "mod-log"), ("C0WELCOME", "welcome"),
                      ("C0HELP", "help"), ("G0STAFF", "staff")):
        ws.channels[cid] = {"id": cid, "name": name, "is_private": cid.startswith("G"), "is_archived": False}
    ws.groups["S0MODS"] = {"id": "S0MODS", "team_id": team, "name": "Moderators", "handle": "mods",
                           "users": ["U0MOD"]}
    ws.groups["S0ADMINS"] = {"id": "S0ADMINS", "team_id": team, "name": "Admins", "handle": "admins",
                             "users": ["U0ADMIN"]}
    ws.memberships = {"U0BOB": ["C0GENERAL", "C0HELP"], "U0ALICE": ["C0GENERAL"]}
    return ws


# Methods whose whole answer is {"ok": true} (recorded in `calls` like every other).
# How long a test polls for an effect before failing: a wait ends as soon as the effect is there, so a generous
# bound costs a passing test nothing, where 5 s failed on a loaded 2-core machine.
WAIT = 30.0
JUST_OK = {"chat.delete", "reactions.add", "conversations.join"}


class FakeSlack:
    """Serve it with ``await fake.start()``; point clients at ``fake.api_url``."""

    def __init__(self) -> None:
        self.workspaces: dict[str, Workspace] = {}
        self.calls: list[Call] = []
        self.failures: dict[str, list[tuple[int, int]]] = {}
        self.oauth_codes: dict[str, Workspace] = {}
        self.app_token = "xapp-test"
        self.socket_acks: list[dict[str, Any]] = []
        self.socket_silent = False
        self.unmodelled: list[str] = []  # Web API methods this fake does not model (a test failure)
        self.hook_answers: dict[str, tuple[int, str]] = {}  # response_url name -> (status, body)
        self.clock: Any = None  # an injected clock (``.now()``): calls are stamped with it, storms follow it
        self.storms: list[Storm] = []
        self.deactivated: set[str] = set()  # users whose accounts are deactivated: no DM reaches them
        self.expired_triggers: set[str] = set()  # trigger ids past Slack's 3 s: views.open refuses them
        self.lost_answers: list[tuple[str, str]] = []  # (method, channel): done, then the connection drops
        self.limited: list[tuple[datetime, str, float]] = []  # (when, channel, Retry-After) of each storm 429
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_ready = asyncio.Event()
        self._ts = itertools.count(1)
        self._file_ids = itertools.count(1)
        self.uploads: dict[str, dict[str, Any]] = {}  # file id -> filename, length, data, shared in
        self._envelopes = itertools.count(1)
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.add_workspace(default_workspace())

    # -- set-up -----------------------------------------------------------------------------

    def add_workspace(self, ws: Workspace) -> Workspace:
        """Make a team known (its bot token answers auth.test)."""
        self.workspaces[ws.id] = ws
        return ws

    def fail_next(self, method: str, *, status: int = 429, retry_after: int = 0, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer ``status`` (429 with Retry-After)."""
        self.failures.setdefault(method, []).extend([(status, retry_after)] * times)

    def storm(self, method: str, channel: str, until: datetime, retry_afters: Iterable[float]) -> None:
        """Until ``until`` (of ``self.clock``), ``method`` calls for ``channel`` answer 429, Retry-After
        taken in turn from ``retry_afters``; a call made inside a Retry-After it was given is counted."""
        self.storms.append(Storm(method, channel, until, itertools.cycle(list(retry_afters))))

    async def start(self) -> FakeSlack:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/hooks/{id}", self._hook)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/link", self._socket)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        """Close sockets and stop serving."""
        for ws in list(self._sockets):
            await ws.close()
        if self.runner is not None:
            await self.runner.cleanup()

    @property
    def api_url(self) -> str:
        """The Web API base URL (with the trailing /api/ slack-sdk needs)."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        """A response_url that records what is posted to it."""
        return f"http://127.0.0.1:{self.port}/hooks/{name}"

    # -- queries ----------------------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        """The recorded calls of one method."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], Any], within: float = WAIT) -> Any:
        """Poll until ``predicate()`` is truthy; fail with the calls seen so far."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            await asyncio.sleep(0.01)
        seen = [(c.method, c.args) for c in self.calls]
        raise AssertionError(f"timed out; calls so far: {json.dumps(seen, default=str)[:3000]}")

    async def wait_calls(self, method: str, count: int = 1, within: float = WAIT) -> list[Call]:
        """Wait until ``method`` was called ``count`` times."""
        await self.wait_for(lambda: len(self.of(method)) >= count, within)
        return self.of(method)

    # -- Web API ----------------------------------------------------------------------------

    def _workspace_for(self, token: str) -> Workspace | None:
        for ws in self.workspaces.values():
            if token == ws.bot_token:
                return ws
        if token.startswith("xoxp-"):
            return next(iter(self.workspaces.values()))
        return None

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json":
                args.update(json.loads(raw or b"{}"))
            else:
                args.update(dict(parse_qsl(raw.decode("utf-8"))))
        for key in ("blocks", "view", "users"):
            if isinstance(args.get(key), str) and args[key][:1] in "[{":
                args[key] = json.loads(args[key])
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else str(args.get("token", ""))
        now = self.clock.now() if self.clock is not None else None
        call = Call(method, args, token, time.monotonic(), now)
        self.calls.append(call)
        for storm in self.storms:
            hit = storm.method == method and args.get("channel") == storm.channel
            if hit and now is not None and now < storm.until:
                retry = next(storm.retry_afters)
                self.limited.append((now, storm.channel, retry))
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                         headers={"Retry-After": f"{retry:g}"})
        pending = self.failures.get(method)
        if pending:
            status, retry_after = pending.pop(0)
            return web.json_response({"ok": False, "error": "ratelimited"}, status=status,
                                     headers={"Retry-After": str(retry_after)})
        if method == "apps.connections.open":
            if token != self.app_token:
                return _error("invalid_auth")
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"})
        if method == "oauth.v2.access":
            return self._oauth(args)
        ws = self._workspace_for(token)
        if ws is None:
            return _error("invalid_auth")
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None and method in JUST_OK:
            return web.json_response({"ok": True})
        if handler is None:
            # Slack answers a method it doesn't know with unknown_method; a method this fake doesn't
            # model fails the test (the fixture asserts `unmodelled` is empty) instead of a made-up ok.
            self.unmodelled.append(method)
            return _error("unknown_method")
        result = handler(ws, args)
        if not isinstance(result, web.Response):
            call.answer = result
        lost = (method, str(args.get("channel", "")))
        if lost in self.lost_answers:  # Slack did it, but its answer never reaches Steward
            self.lost_answers.remove(lost)
            if request.transport is not None:
                request.transport.close()
        return result if isinstance(result, web.Response) else web.json_response({"ok": True, **result})

    def _auth_test(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": "https://acme.slack.com/", "team": ws.name, "user": "steward", "team_id": ws.id,
                "user_id": ws.bot_user, "bot_id": ws.bot_id, "is_enterprise_install": False}

    def _users_info(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any] | web.Response:
        user = ws.users.get(str(args.get("user")))
        return {"user": user} if user else _error("user_not_found")

    def _users_list(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        return {"members": list(ws.users.values()), "response_metadata": {"next_cursor": ""}}

    def _conversations_list(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        # Two pages, as Slack paginates.
        channels = list(ws.channels.values())
        if not args.get("cursor"):
            return {"channels": channels[:2], "response_metadata": {"next_cursor": "page2"}}
        return {"channels": channels[2:], "response_metadata": {"next_cursor": ""}}

    def _usergroups_list(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        include = str(args.get("include_users", "")).lower() in ("1", "true")
        groups = []
        for g in ws.groups.values():
            entry = dict(g)
            if not include or g["id"] == "S0ADMINS":  # one without users: exercises usergroups.users.list
                entry.pop("users", None)
            groups.append(entry)
        return {"usergroups": groups}

    def _usergroups_users_list(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any] | web.Response:
        group = ws.groups.get(str(args.get("usergroup")))
        return {"users": group["users"]} if group else _error("no_such_subteam")

    def _conversations_open(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any] | web.Response:
        user = str(args.get("users", ""))
        if user in self.deactivated:
            return _error("user_disabled")
        if user not in ws.users or ws.users[user].get("is_bot"):
            return _error("cannot_dm_bot" if user in ws.users else "user_not_found")
        return {"channel": {"id": "D" + user[1:]}}

    def _post(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": args.get("channel"), "ts": f"1700000000.{next(self._ts):06d}",
                "message": {"text": args.get("text")}}

    def _chat_postMessage(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any] | web.Response:
        if str(args.get("channel", "")).startswith(("C", "G", "D")):
            return self._post(args)
        return _error("channel_not_found")

    def _files_getUploadURLExternal(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any] | web.Response:
        filename, length = str(args.get("filename", "")), str(args.get("length", ""))
        if not filename or not length.isdigit() or int(length) <= 0:
            return _error("invalid_arguments")
        file_id = f"F{next(self._file_ids):08d}"
        self.uploads[file_id] = {"filename": filename, "length": int(length), "data": None, "shared": None}
        return {"upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["file_id"])
        data = await request.read()
        if upload is None or upload["data"] is not None:
            return web.Response(status=404, text="unknown upload url")
        if len(data) != upload["length"]:
            return web.Response(status=400, text="length does not match")
        upload["data"] = data
        return web.Response(text=f"OK - {len(data)}")

    def _files_completeUploadExternal(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any] | web.Response:
        files = args.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        channel = str(args.get("channel_id", ""))
        if not isinstance(files, list) or not files or not channel.startswith(("C", "G", "D")):
            return _error("invalid_arguments")
        for f in files:
            upload = self.uploads.get(str(f.get("id")))
            if upload is None or upload["data"] is None:
                return _error("file_not_found")  # never uploaded, as Slack answers
            upload["shared"] = (channel, args.get("thread_ts"))
        return {"files": [{"id": f["id"], "title": f.get("title") or ""} for f in files]}

    def _chat_update(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": args.get("channel"), "ts": args.get("ts")}

    def _chat_postEphemeral(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": f"1700000000.{next(self._ts):06d}"}

    def _views_open(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any] | web.Response:
        if not args.get("trigger_id"):
            return _error("invalid_trigger_id")
        if args["trigger_id"] in self.expired_triggers:
            return _error("expired_trigger_id")
        return {"view": {"id": "V0VIEW", **(args.get("view") or {})}}

    def _views_publish(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        return {"view": {"id": "V0HOME", **(args.get("view") or {})}}

    def _users_conversations(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        ids = ws.memberships.get(str(args.get("user")), [])
        return {"channels": [ws.channels[c] for c in ids], "response_metadata": {"next_cursor": ""}}

    def _conversations_kick(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any] | web.Response:
        if args.get("channel") == "C0GENERAL":
            return _error("cant_kick_from_general")
        return {}

    def _oauth(self, args: dict[str, Any]) -> web.Response:
        ws = self.oauth_codes.get(str(args.get("code")))
        if ws is None:
            return _error("invalid_code")
        self.add_workspace(ws)
        return web.json_response({
            "ok": True, "app_id": "A0STEWARD", "access_token": ws.bot_token, "token_type": "bot",
            "scope": "chat:write,commands", "bot_user_id": ws.bot_user, "team": {"id": ws.id, "name": ws.name},
            "enterprise": None, "is_enterprise_install": False,
            "authed_user": {"id": "U0INSTALLER", "scope": "", "access_token": None, "token_type": None}})

    # -- response_url -----------------------------------------------------------------------

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.json()
        hook = request.match_info["id"]
        self.calls.append(Call("response_url", {"hook": hook, **body}, "", time.monotonic(),
                               self.clock.now() if self.clock is not None else None))
        status, answer = self.hook_answers.get(hook, (200, "ok"))  # a dead one: (404, "expired_url")
        return web.Response(status=status, text=answer)

    # -- Socket Mode ------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False)  # pongs are up to us: silence is testable
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0"}}))
        self._socket_ready.set()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.PING:
                    if not self.socket_silent:
                        await ws.pong(msg.data)
                elif msg.type == WSMsgType.TEXT:
                    self.socket_acks.append(json.loads(msg.data))
        finally:
            self._sockets.remove(ws)
        return ws

    async def socket_send(self, kind: str, payload: dict[str, Any], *, retry: int = 0) -> str:
        """Push one envelope (``events_api``, ``slash_commands``, ``interactive``); returns its id."""
        await asyncio.wait_for(self._socket_ready.wait(), 5)
        envelope_id = f"env-{next(self._envelopes)}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": kind != "events_api", "retry_attempt": retry,
                    "retry_reason": "timeout" if retry else ""}
        await self._sockets[-1].send_str(json.dumps(envelope))
        return envelope_id


def _error(error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error})
