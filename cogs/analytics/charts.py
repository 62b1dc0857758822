"""PNG charts of the KPIs with matplotlib (Agg, no display). CPU-bound: callers run :func:`render_all`
off the event loop (``asyncio.to_thread``). A chart that fails is left out and named in ``failed``;
the report then shows its table alone."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cogs.analytics.kpis import Kpis

log = logging.getLogger(__name__)

BLUE, GREEN, ORANGE, GREY, RED = "#3b6fb6", "#3a9d5d", "#e08a2c", "#9aa3ad", "#c8453b"


@dataclass
class Charts:
    """Rendered charts by name (PNG bytes), and the names of those that could not be drawn."""

    images: dict[str, bytes] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)


def _legend(ax: Any) -> None:
    """A legend on a white card: over a bar that fills the plot (one action, one event) it stays readable."""
    ax.legend(frameon=True, facecolor="white", framealpha=0.92, edgecolor="#d0d7de")


def _figure() -> tuple[Any, Any]:
    from matplotlib.figure import Figure  # imported here: a report without charts never loads matplotlib

    fig = Figure(figsize=(6.4, 3.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e5e8eb", linewidth=0.8)
    ax.set_axisbelow(True)
    return fig, ax


def _png(fig: Any) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def _empty(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color=GREY)
    ax.set_xticks([])
    ax.set_yticks([])


def activity_chart(k: Kpis) -> bytes:
    """Daily active members over the period."""
    fig, ax = _figure()
    if k.daily:
        days = [d for d, _n in k.daily]
        ax.plot(days, [n for _d, n in k.daily], color=BLUE, marker="o", markersize=3)
        ax.fill_between(days, [n for _d, n in k.daily], color=BLUE, alpha=0.12)
        ax.set_ylim(bottom=0)
        fig.autofmt_xdate()
    else:
        _empty(ax, "no activity in this period")
    ax.set_ylabel("active members")
    return _png(fig)


def retention_chart(k: Kpis) -> bytes:
    """Week-1 and week-4 retention per join cohort."""
    fig, ax = _figure()
    cohorts = [c for c in k.cohorts if c.week1 is not None]
    if cohorts:
        xs = range(len(cohorts))
        ax.bar([x - 0.2 for x in xs], [100 * (c.week1 or 0) for c in cohorts], 0.4, label="week 1", color=BLUE)
        ax.bar([x + 0.2 for x in xs], [100 * (c.week4 or 0) for c in cohorts], 0.4, label="week 4", color=GREEN)
        ax.set_xticks(list(xs), [f"{c.week_of:%d %b}" for c in cohorts])
        ax.set_ylim(0, 100)
        ax.set_ylabel("% of cohort active")
        _legend(ax)
    else:
        _empty(ax, "no cohort is a week old yet")
    return _png(fig)


def funnel_chart(k: Kpis) -> bytes:
    """Joined → started onboarding → completed → posted."""
    fig, ax = _figure()
    stages = list(reversed(k.funnel))
    if k.funnel and k.funnel[0][1]:
        ax.barh([s for s, _n in stages], [n for _s, n in stages], color=[ORANGE, GREEN, GREEN, BLUE][: len(stages)])
        for i, (_s, n) in enumerate(stages):
            ax.annotate(str(n), (n, i), xytext=(3, 0), textcoords="offset points", va="center")
        ax.grid(False)
    else:
        _empty(ax, "nobody joined in this period")
    return _png(fig)


def moderation_chart(k: Kpis) -> bytes:
    """Cases by action, automatic and by moderators stacked."""
    fig, ax = _figure()
    actions = sorted({a for a, _auto, _n in k.cases})
    if actions:
        auto = [sum(n for a, x, n in k.cases if a == act and x) for act in actions]
        manual = [sum(n for a, x, n in k.cases if a == act and not x) for act in actions]
        ax.bar(actions, auto, color=GREY, label="automatic")
        ax.bar(actions, manual, bottom=auto, color=RED, label="by a moderator")
        ax.set_ylabel("cases")
        _legend(ax)
    else:
        _empty(ax, "no cases in this period")
    return _png(fig)


def events_chart(k: Kpis) -> bytes:
    """Going versus attended per event."""
    fig, ax = _figure()
    if k.events:
        xs = range(len(k.events))
        ax.bar([x - 0.2 for x in xs], [e.going for e in k.events], 0.4, label="going", color=BLUE)
        ax.bar([x + 0.2 for x in xs], [e.attended for e in k.events], 0.4, label="attended", color=GREEN)
        ax.set_xticks(list(xs), [f"#{e.event}" for e in k.events])
        ax.set_ylabel("members")
        _legend(ax)
    else:
        _empty(ax, "no events in this period")
    return _png(fig)


def feedback_chart(k: Kpis) -> bytes:
    """Feedback created, shipped and votes."""
    fig, ax = _figure()
    values = [k.feedback_new, k.feedback_shipped, k.feedback_votes]
    if any(values):
        ax.bar(["new items", "shipped", "votes"], values, color=[BLUE, GREEN, ORANGE])
        for i, n in enumerate(values):
            ax.text(i, n, str(n), ha="center", va="bottom")
    else:
        _empty(ax, "no feedback in this period")
    return _png(fig)


def promotion_chart(k: Kpis) -> bytes:
    """Joins per source or campaign."""
    fig, ax = _figure()
    if k.sources:
        ranked = sorted(k.sources, key=lambda s: (s.joins, s.source))  # barh draws bottom-up: largest on top
        ax.barh([s.source[:24] for s in ranked], [s.joins for s in ranked], color=BLUE)
        ax.set_xlabel("joins")
        ax.grid(False)
    else:
        _empty(ax, "nobody joined in this period")
    return _png(fig)


CHARTS: dict[str, tuple[str, Callable[[Kpis], bytes]]] = {
    "activity": ("Daily active members", activity_chart),
    "retention": ("Retention by join cohort", retention_chart),
    "funnel": ("Onboarding funnel", funnel_chart),
    "moderation": ("Moderation cases", moderation_chart),
    "events": ("Events: going versus attended", events_chart),
    "feedback": ("Feedback", feedback_chart),
    "promotion": ("Joins by source", promotion_chart),
}


def render_all(k: Kpis, names: tuple[str, ...] | None = None) -> Charts:
    """Every chart (or those named); one that raises is logged and listed in ``failed``."""
    out = Charts()
    for name in names or tuple(CHARTS):
        title, draw = CHARTS[name]
        out.titles[name] = title
        try:
            out.images[name] = draw(k)
        except Exception:  # a chart library failure must not cost the report its tables
            log.exception("analytics: the %s chart could not be drawn", name)
            out.failed.append(name)
    return out
