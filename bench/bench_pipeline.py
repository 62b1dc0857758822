"""Whole-pipeline benchmark (``make bench``): clean chat through the real runtime, against its matching.

The runtime runs on the memory platform and SQLite, with the community of ``config/example.yaml``:
first with moderation alone, then with every cog that file turns on. The chat is the moderation
benchmark's generator (same seed) with no rule-breaking messages, so each message is the common
case: it passes every middleware and handler and nothing is performed. "Matching alone" is that
community's compiled moderation engine on the same texts, measured in the same run. Budgets: the
pipeline at most 8x the matching; every cog at most 2x moderation alone. Both are timed in this
process's CPU time (``time.process_time``), not wall time: the machine is shared, and another
program's load would otherwise land on whichever side happened to run while it was busy.
"""

from __future__ import annotations

import asyncio
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.events import MessagePosted
from bot.refs import MessageRef
from bot.testing import Harness
from cogs.moderation.benchmark import COMMON, messages
from steward.app import load
from steward.catalog import discover

CONFIG = Path(__file__).resolve().parents[1] / "config" / "example.yaml"
MEMBERS = 500


def chat(n: int, seed: int = 7) -> list[str]:
    """``n`` clean messages from the moderation benchmark's generator."""
    return messages(n, list(COMMON), random.Random(seed), hit_rate=0.0)


def matching_us(engine: Any, texts: list[str]) -> float:
    """Microseconds per message for the engine alone (best of three, warmed)."""
    for text in texts:
        engine.match(text)
    best = float("inf")
    for _round in range(3):
        start = time.process_time()
        for text in texts:
            engine.match(text)
        best = min(best, time.process_time() - start)
    return best / len(texts) * 1e6


async def pipeline_us(cogs_on: list[str], texts: list[str], folder: Path) -> tuple[float, Any]:
    """Microseconds per message through ``runtime.handle`` with these cog sections on (best of three)."""
    catalog = discover()
    config = load(CONFIG, catalog)
    community = config.communities[0]
    sections = {name: getattr(community, name) for name in community.cog_sections() if name in cogs_on}
    off = {name: None for name in community.cog_sections() if name not in cogs_on}
    config = config.model_copy(update={"communities": [community.model_copy(update={**sections, **off})]})
    h = await Harness.start(config, db_url=f"sqlite+aiosqlite:///{folder / ('-'.join(cogs_on) + '.db')}",
                            cogs=catalog.cogs)
    try:
        scope = h.adapter.scope
        users = [h.add_member(f"member{i}") for i in range(MEMBERS)]
        # Not chat: the staff channels, and #feedback, where every post is a capture (a database
        # item, the duplicate finder, an answer), measured per capture by bench_feedback.
        channels = sorted(c for c in h.adapter.channels if c not in ("#mod-log", "#staff", "#feedback"))
        start = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
        # a busy community: a message a second over its channels, each member now and then
        events = [MessagePosted(platform=h.adapter.platform, scope=scope, event_id=f"e{i}",
                                occurred_at=start + timedelta(seconds=i),
                                message=MessageRef(h.adapter.platform, channels[i % len(channels)][1:], f"m{i}"),
                                author=users[i % MEMBERS], author_name=users[i % MEMBERS].id, text=text,
                                channel_name=channels[i % len(channels)])
                   for i, text in enumerate(texts * 4)]
        rounds = [events[i * len(texts):(i + 1) * len(texts)] for i in range(4)]
        for event in rounds[0]:  # warm-up: persons created, caches filled, as in a running bot
            await h.runtime.handle(event)
        await h.runtime.idle()
        best = float("inf")
        for batch in rounds[1:]:
            start = time.process_time()
            for event in batch:
                await h.runtime.handle(event)
            await h.runtime.idle()
            best = min(best, time.process_time() - start)
        performed = len(h.adapter.performed)
        moderation = next(c for c in h.runtime.cogs_of(community.name) if c.name == "moderation")
        engine = moderation.ctx.settings.engine
        return best / len(texts) * 1e6, (engine, performed, sorted(sections))
    finally:
        await h.close()


async def run(n: int = 4000) -> dict[str, Any]:
    """Run the benchmark; one JSON-able dict."""
    texts = chat(n)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        alone, (engine, performed_alone, _names) = await pipeline_us(["moderation"], texts, folder)
        every_names = list(load(CONFIG, discover()).communities[0].cog_sections())
        every, (_e, performed_every, names) = await pipeline_us(every_names, texts, folder)
    match = matching_us(engine, texts)
    return {
        "bench": "pipeline", "messages": n, "members": MEMBERS, "cogs_every": names,
        "match_us": round(match, 2), "pipeline_moderation_us": round(alone, 2),
        "pipeline_every_cog_us": round(every, 2),
        "msgs_per_s_moderation": round(1e6 / alone), "msgs_per_s_every_cog": round(1e6 / every),
        "ratio_pipeline_vs_match": round(alone / match, 1), "ratio_every_vs_moderation": round(every / alone, 2),
        "actions_performed": performed_alone + performed_every,
        "budget": {"pipeline<=8x_match": alone <= 8 * match, "every_cog<=2x_moderation": every <= 2 * alone},
    }


def main() -> None:
    """Print one JSON object with the pipeline figures and their ratios."""
    print(json.dumps(asyncio.run(run())), flush=True)


if __name__ == "__main__":
    main()
