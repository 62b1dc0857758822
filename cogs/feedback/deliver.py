"""The outgoing webhook: queued rows in ``feedback_outbox`` are POSTed, signed, oldest first, by a job.

Chat never waits on the endpoint: a capture or status change only writes its row (in the same
transaction) and books a ``deliver`` job. The job posts rows in order; the first failure (an error
status, a refused connection, a timeout) stops it, counts against the endpoint and books the next
try by :class:`~cogs.feedback.webhook.Backoff`; rows stay queued until delivered. The admin is told
once when the endpoint starts failing and once when it recovers (:func:`after_delivery`).
"""

from __future__ import annotations

import random
from datetime import timedelta

import aiohttp

from bot.cog import job
from bot.content import Content, fmt
from bot.scheduler import JobRun
from cogs.feedback import store
from cogs.feedback.digest import Digest
from cogs.feedback.webhook import EndpointHealth, after_delivery, signed_headers

BATCH = 50


class Delivery(Digest):
    """The ``deliver`` job."""

    async def post(self, body: bytes) -> str | None:
        """POST one body; None when the endpoint took it, else why not."""
        hook = self.conf.webhook
        assert hook is not None
        headers = signed_headers(hook.secret.encode("utf-8"), int(self.ctx.now().timestamp()), body)
        try:
            timeout = aiohttp.ClientTimeout(total=hook.timeout.total_seconds())
            async with aiohttp.ClientSession(timeout=timeout) as http, \
                    http.post(hook.url, data=body, headers=headers) as response:
                if 200 <= response.status < 300:
                    return None
                return f"HTTP {response.status}"
        except TimeoutError:
            return f"no answer within {hook.timeout.total_seconds():g} s"
        except aiohttp.ClientError as exc:
            return f"{type(exc).__name__}: {exc}"[:200]

    @job("deliver")
    async def deliver(self, run: JobRun) -> None:
        """Deliver what is queued, oldest first, until the queue is empty or the endpoint fails."""
        hook = self.conf.webhook
        if hook is None:
            return
        notices: list[Content] = []  # posted after the queue's writes: the mod log joins this job's transaction
        try:
            async with self.drain_lock:
                while True:
                    async with self.ctx.db.session() as session:
                        batch = await store.pending(session, self.community, BATCH)
                    if not batch:
                        return
                    for row in batch:
                        error = await self.post(row.body)
                        if not await self._record(row.id, error, notices):
                            return
                    if len(batch) < BATCH:
                        return
        finally:
            for notice in notices:
                await self.ctx.modlog(notice)

    async def _record(self, row_id: int, error: str | None, notices: list[Content]) -> bool:
        """Fold one attempt into the row and the endpoint's health; False when delivery should stop."""
        hook = self.conf.webhook
        assert hook is not None
        now = self.ctx.now()
        async with self.ctx.db.session() as session, session.begin():
            health = await store.endpoint(session, self.community)
            change = after_delivery(EndpointHealth(health.failures, health.alerted), error is None, hook.alert_after)
            health.failures, health.alerted = change.health.failures, change.health.alerted
            if error is None:
                await store.delivered(session, row_id, now)
                health.retry_at = None
            else:
                await store.failed(session, row_id, error)
                wait = hook.backoff().delay(change.health.failures, random.random())
                health.retry_at = now + timedelta(seconds=wait)
                retry_at = health.retry_at
        if change.notice == "down":
            notices.append(fmt("The feedback webhook is failing ({error}); items are queued and retried "
                               "with back-off, nothing is lost. I'll say when it recovers.", error=error or ""))
        elif change.notice == "recovered":
            notices.append(Content(("The feedback webhook is back; queued items are being delivered.",)))
        if error is not None:
            await self.ctx.schedule("deliver", retry_at)
            return False
        return True
