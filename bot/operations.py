"""The operations endpoint: ``/metrics`` for Prometheus, ``/healthz``, and cogs' pages behind a token.

Off unless the config has an ``operations`` section. It is a small aiohttp server inside the
event loop (every request is a few dictionary reads, one short query for the scheduler's lag, or
a cog's page, which draws off the loop), the same for every platform. ``/healthz`` answers what
``steward status`` shows for this process: leader or follower, its shards, the scheduler's lag.
A cog's page (``/report``: :meth:`bot.cog.Cog.page`) needs ``Authorization: Bearer <token>``
with the token of ``operations.report_token``, compared in constant time; the token follows a
reload, the address needs a restart.
"""

from __future__ import annotations

import hmac
import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from aiohttp import web

from bot.adapter import Adapter
from bot.cog import Cog
from bot.community import Community
from bot.config.models import OperationsConfig, StewardConfig
from bot.dispatcher import Dispatcher
from bot.factbus import FactBus
from bot.gate import CapabilityGate
from bot.outbox.effects import Effects
from bot.outbox.queues import depths
from bot.partitions import LEADER
from bot.processes import Processes
from bot.scheduler import Scheduler
from bot.telemetry import CONTENT_TYPE, Telemetry

log = logging.getLogger(__name__)
BUILTIN = frozenset({"metrics", "healthz"})


class Host(Protocol):
    """What the endpoint reads from the runtime."""

    config: StewardConfig
    adapters: dict[str, Adapter]
    dispatcher: Dispatcher
    facts: FactBus
    gate: CapabilityGate
    effects: Effects
    processes: Processes
    scheduler: Scheduler
    started: bool

    @property
    def communities(self) -> dict[str, Community]: ...

    def cogs_of(self, community: str) -> Sequence[Cog]: ...


class Operations:
    """The metrics this process keeps and the HTTP server that shows them."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.telemetry = Telemetry()
        self.port: int | None = None  # the port listened on (the one asked for, or the one given for 0)
        self._runner: web.AppRunner | None = None

    async def start(self, config: OperationsConfig | None) -> None:
        """Count in the pipeline and listen; a port that cannot be had is logged and the bot runs on."""
        if config is None:
            return
        t, host = self.telemetry, self.host
        host.dispatcher.telemetry = host.facts.telemetry = t
        host.gate.observe = t.action
        host.effects.outbox.observers.append(t.outbox_step)
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/{page}", self._page)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, config.host, config.port)
            await site.start()
        except OSError as exc:
            log.error("operations: can't listen on %s:%s (%s); /metrics and /healthz are off until a restart",
                      config.host, config.port, exc.strerror or exc)
            await runner.cleanup()
            return
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info("operations: /metrics, /healthz and /report on http://%s:%s", config.host, self.port)

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- the routes ----------------------------------------------------------------------------

    async def _metrics(self, _request: web.Request) -> web.Response:
        t = self.telemetry
        t.queues = depths(self.host.effects.outbox.queues)
        t.lag = await self._lag()
        return web.Response(body=t.text(), headers={"Content-Type": CONTENT_TYPE})

    async def health(self) -> dict[str, Any]:
        """This process as ``steward status`` shows it, and whether it is up."""
        processes, cluster = self.host.processes, self.host.processes.cluster
        return {"status": "ok" if self.host.started else "starting or stopping",
                "process": cluster.name if cluster else None,
                "role": "leader" if LEADER in processes.mine() else "follower",
                "shards": list(cluster.partitions) if cluster else [],
                "scheduler_lag_seconds": await self._lag(),
                "platforms": sorted(self.host.adapters), "communities": sorted(self.host.communities),
                "outbox_waiting": sum(depths(self.host.effects.outbox.queues).values()),
                "detail": processes.detail()}

    async def _healthz(self, _request: web.Request) -> web.Response:
        found = await self.health()
        return web.json_response(found, status=200 if found["status"] == "ok" else 503,
                                 dumps=lambda v: json.dumps(v, indent=1))

    async def _page(self, request: web.Request) -> web.Response:
        name = request.match_info["page"]
        refusal = self._refusal(request.headers.get("Authorization", ""))
        if refusal is not None:
            return refusal
        query: Mapping[str, str] = request.query
        communities = self.host.communities
        community = query.get("community") or (next(iter(communities)) if len(communities) == 1 else "")
        if community not in communities:
            names = ", ".join(sorted(communities))
            return _text(404 if community else 400, f"name a community: ?community=NAME (here: {names})")
        try:
            for cog in self.host.cogs_of(community):
                page = await cog.page(name, query)
                if page is not None:
                    return web.Response(body=page.body, status=page.status,
                                        headers={"Content-Type": page.content_type, "Cache-Control": "no-store"})
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("operations: the page /%s failed (ref %s)", name, ref)
            return _text(500, f"the page failed on Steward's side (ref {ref}); the error is logged")
        return _text(404, f"no page /{name} here (there are /metrics, /healthz and each enabled feature's pages)")

    def _refusal(self, authorization: str) -> web.Response | None:
        config = self.host.config.operations
        refused = bearer_refusal(authorization, config.report_token if config is not None else "")
        return None if refused is None else _text(*refused, challenge=refused[0] == 401)

    async def _lag(self) -> float | None:
        try:
            return await self.host.scheduler.lag()
        except Exception as exc:  # the database is away: the scrape still answers
            log.warning("operations: scheduler lag unknown (%s)", exc)
            return None


def bearer_refusal(authorization: str, token: str) -> tuple[int, str] | None:
    """Why an ``Authorization`` header does not open the pages (status, words), or None when it does."""
    if not token:
        return 403, "pages are off: set operations.report_token (e.g. ${STEWARD_REPORT_TOKEN}) to serve them"
    scheme, _, given = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return 401, "this page needs Authorization: Bearer <token>"
    if not hmac.compare_digest(given.strip().encode("utf-8", "surrogateescape"), token.encode()):
        return 401, "wrong token"
    return None


def _text(status: int, message: str, *, challenge: bool = False) -> web.Response:
    headers = {"WWW-Authenticate": 'Bearer realm="steward"'} if challenge else {}
    return web.Response(status=status, text=message + "\n", headers=headers)
