"""The operations metrics: what the pipeline counts as it runs, in the Prometheus text format.

The hot path only adds to plain counters (an event handled, an action's outcome, a handler that
failed); :meth:`Telemetry.text` turns them into metric families when Prometheus scrapes, beside
what is sampled then (queue depths, scheduler lag) and the platforms' latency histogram. One
registry per runtime: nothing is global, so two runtimes in one test process do not mix.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from bot.actions import Action, ActionResult

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# the adapter's call for one outgoing effect: a chat post is ~50-300 ms, a rate-limited one seconds
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# what the gate never handed to a platform: it cannot do it, it is not running, or the member can't be reached
REFUSED = frozenset({"unsupported", "no_platform", "dm_off"})


def outcome(result: ActionResult) -> str:
    """``performed`` (done or queued for the platform), ``refused`` (never handed to it) or ``failed``."""
    if result.ok:
        return "performed"
    return "refused" if result.code in REFUSED else "failed"


class Telemetry:
    """Counters kept by the dispatcher, the gate and the outbox; sampled gauges; the latency histogram."""

    def __init__(self) -> None:
        self.events: Counter[str] = Counter()  # by event (or fact) type
        self.actions: Counter[tuple[str, str]] = Counter()  # (action type, outcome)
        self.errors: Counter[tuple[str, str]] = Counter()  # (cog, what it was handling)
        self.queues: Mapping[tuple[str, str], int] = {}  # (platform, lane) -> entries waiting, when sampled
        self.lag: float | None = None  # seconds the oldest due job has waited, when sampled
        self.registry = CollectorRegistry()
        self.registry.register(self)
        self.latency = Histogram("steward_platform_seconds", "Time a platform took to perform one outgoing effect.",
                                 ["platform"], registry=self.registry, buckets=LATENCY_BUCKETS)
        self._sending: dict[str, tuple[str, float]] = {}  # outbox key -> (platform, start)

    # -- counting (cheap: called for every event and action) --------------------------------

    def event(self, kind: type[Any]) -> None:
        """One event or fact handed to the cogs."""
        self.events[kind.__name__] += 1

    def action(self, action: Action, result: ActionResult) -> None:
        """One action through the gate, with its outcome."""
        self.actions[type(action).__name__, outcome(result)] += 1

    def failed(self, cog: str, handling: str) -> None:
        """A handler raised (the dispatcher logged it and went on)."""
        self.errors[cog, handling] += 1

    def outbox_step(self, step: str, entry: Any) -> None:
        """An outbox observer: times each effect from ``sending`` to ``sent`` per platform."""
        if step == "sending":
            self._sending[entry.key] = (entry.platform, time.perf_counter())
        elif step == "sent":
            started = self._sending.pop(entry.key, None)
            if started is not None:
                self.latency.labels(started[0]).observe(time.perf_counter() - started[1])

    # -- scraping ---------------------------------------------------------------------------

    def collect(self) -> Iterator[Metric]:
        """The counters and sampled gauges as metric families (the registry calls this)."""
        events = CounterMetricFamily("steward_events", "Events and facts handed to the cogs, by type.",
                                     labels=["type"])
        for kind, n in sorted(self.events.items()):
            events.add_metric([kind], n)
        actions = CounterMetricFamily("steward_actions", "Actions through the capability gate, by type and "
                                      "outcome (performed, refused, failed).", labels=["action", "outcome"])
        for (kind, result), n in sorted(self.actions.items()):
            actions.add_metric([kind, result], n)
        errors = CounterMetricFamily("steward_handler_errors", "Handlers that raised, by cog and what they "
                                     "were handling.", labels=["cog", "handling"])
        for (cog, handling), n in sorted(self.errors.items()):
            errors.add_metric([cog, handling], n)
        queues = GaugeMetricFamily("steward_outbox_waiting", "Outgoing effects waiting in this process's "
                                   "outbox, by platform and lane.", labels=["platform", "lane"])
        for (platform, lane), n in sorted(self.queues.items()):
            queues.add_metric([platform, lane], n)
        yield from (events, actions, errors, queues)
        if self.lag is not None:  # a follower with no timers has no lag to report
            yield GaugeMetricFamily("steward_scheduler_lag_seconds", "Seconds the oldest due job has waited.",
                                    value=self.lag)

    def text(self) -> bytes:
        """Everything in the Prometheus text format."""
        return generate_latest(self.registry)
