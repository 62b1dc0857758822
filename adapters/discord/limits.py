"""Discord's global rate limit, seen on every request Steward makes, and a 429 read as a wait.

discord.py honours a global 429 by making new calls wait, but a call already past that check (one
of the outbox's eight sends in flight) still goes out, and a global limit longer than
``max_ratelimit_timeout`` comes back as a plain :class:`discord.RateLimited` that doesn't say it
was global. This module sits on the client's HTTP session (an aiohttp trace): every response is
read for ``X-RateLimit-Global`` / ``X-RateLimit-Scope: global``, and every request waits before
it starts while a global limit lasts — deletes, bans and look-ups included. The adapter turns a
rate-limited call into a result the outbox holds for (every channel when the limit was global).
"""

from __future__ import annotations

import asyncio
import logging
import re
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord

from bot.actions import Action, ActionResult

log = logging.getLogger(__name__)

# the gateway, and interaction answers (which Discord's documentation exempts from the global limit)
_EXEMPT = re.compile(r"/gateway|/interactions/\d+/[^/]+/callback|/webhooks/\d+/[^/]+")


class GlobalLimit:
    """When Discord's global limit, if any, ends (on the event loop's clock)."""

    def __init__(self) -> None:
        self.until = 0.0
        self.seen = 0  # global 429s received (tests and logs read it)

    def remaining(self) -> float:
        """Seconds until the global limit ends (0 when there is none)."""
        return max(self.until - asyncio.get_running_loop().time(), 0.0)

    def trace(self) -> aiohttp.TraceConfig:
        """The aiohttp trace that reads every response and holds every request during a global limit."""
        config = aiohttp.TraceConfig()
        config.on_request_start.append(self._before)
        config.on_request_end.append(self._after)
        return config

    async def _before(self, _session: aiohttp.ClientSession, _ctx: SimpleNamespace,
                      params: aiohttp.TraceRequestStartParams) -> None:
        wait = self.remaining()
        if wait > 0 and not _EXEMPT.search(params.url.path):
            log.info("discord: global rate limit; %s %s waits %.2fs", params.method, params.url.path, wait)
            await asyncio.sleep(wait)

    async def _after(self, _session: aiohttp.ClientSession, _ctx: SimpleNamespace,
                     params: aiohttp.TraceRequestEndParams) -> None:
        response = params.response
        if response.status != 429:
            return
        headers = response.headers
        if headers.get("X-RateLimit-Global", "").lower() != "true" and headers.get("X-RateLimit-Scope") != "global":
            return
        wait = retry_after(headers, 1.0)
        self.seen += 1
        self.until = max(self.until, asyncio.get_running_loop().time() + wait)
        log.warning("discord: global rate limit for %.2fs", wait)


def retry_after(headers: Any, default: float) -> float:
    """Retry-After in seconds from a response's headers (``default`` when absent or unreadable)."""
    try:
        return max(float(headers.get("Retry-After", default)), 0.0)
    except (TypeError, ValueError):
        return default


def rate_limited(action: Action, exc: discord.RateLimited | discord.HTTPException, limit: GlobalLimit) -> ActionResult:
    """A call Discord kept answering 429 (past discord.py's own waits): the outbox holds and retries it."""
    if isinstance(exc, discord.RateLimited):
        wait = exc.retry_after
    else:
        wait = retry_after(getattr(exc.response, "headers", {}), 1.0)
    everything = limit.remaining() > 0
    return ActionResult.rate_limited(action, max(wait, limit.remaining()), everything=everything)
