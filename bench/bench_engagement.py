"""Engagement benchmark (``make bench``): what the cog adds to every message, and a burst of poll presses.

1. The per-message watchers (terms for hot topics, question detection, thank-you detection) over
   20,000 generated chat messages, against a baseline measured in the same run on the same
   messages: a plain ``Counter(text.lower().split())`` (what the simplest word count costs).
2. 300 presses on one poll through the whole pipeline (memory platform, SQLite), 20 ms apart on the
   injected clock (50 presses a second): each press reads the ballots, writes the vote, bumps the
   card's version and stages the card's edit in one transaction; reported as presses per second (a
   machine-bound figure) and as the card edits the platform receives, in the same run without an
   edit window (every press edits the card) and with Discord's and Slack's default of 1 s (a newer
   edit replaces a waiting one), checking that the last edit shows the final tally either way.
"""

from __future__ import annotations

import asyncio
import json
import random
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from cogs.engagement.kudos import thanks_someone
from cogs.engagement.questions import is_question
from cogs.engagement.terms import terms

WORDS = ("the deploy failed again on staging can someone look at the logs please dark mode release notes "
         "thanks for the help yesterday how do I reset my password is the wiki down anyone tried the new "
         "editor plugin coffee meetup friday lightning talks pairing session review my pull request").split()


def messages(n: int, rng: random.Random) -> list[str]:
    """``n`` chat lines of 3 to 25 words, some ending in a question mark."""
    out = []
    for _ in range(n):
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 25)))
        out.append(line + ("?" if rng.random() < 0.2 else ""))
    return out


def watchers(texts: list[str]) -> float:
    start = time.process_time()
    for text in texts:
        terms(text)
        is_question(text)
        thanks_someone(text, 1)
    return time.process_time() - start


def baseline(texts: list[str]) -> float:
    start = time.process_time()
    for text in texts:
        Counter(text.lower().split())
    return time.process_time() - start


async def presses(n: int, window: float) -> tuple[float, int]:
    """Presses per second and card edits sent, with an edit window of ``window`` seconds."""
    from bot.actions import EditMessage
    from bot.testing import Harness
    from cogs.engagement import COG
    config = """
communities:
  - name: acme
    timezone: Europe/London
    roles: {moderator: [Moderators], admin: [Admins]}
    channels: {modlog: "#mod-log", general: "#general"}
    commands: {per_member: 100, window: 1s}
    engagement: {}
"""
    with tempfile.TemporaryDirectory() as folder:
        h = await Harness.start(config, db_url=f"sqlite+aiosqlite:///{Path(folder) / 'b.db'}",
                                cogs={"engagement": COG})
        try:
            h.runtime.effects.outbox.edits.windows["memory"] = timedelta(seconds=window)
            card = next(a for a in await h.command("alice", '/poll "Pick" A B C')
                        if getattr(a, "content", None) and a.content.buttons)
            buttons = card.content.buttons  # type: ignore[attr-defined]
            sent: list[object] = []
            start = time.perf_counter()
            for i in range(n):
                sent += await h.press(f"m{i % 50}", buttons[i % 3])
                sent += await h.advance(milliseconds=20)
            rate = n / (time.perf_counter() - start)
            sent += await h.advance(seconds=max(window, 0.001))
            edits = [a for a in sent if isinstance(a, EditMessage)]
            # 50 members, each ending on the option of their last press: 16 A, 17 B, 17 C
            last = edits[-1].content.plain()
            assert "A — 16 ·" in last and "B — 17 ·" in last and "C — 17 ·" in last, last
            return rate, len(edits)
        finally:
            await h.close()


def main() -> None:
    texts = messages(20_000, random.Random(14))
    watchers(texts[:500])  # warm-up (regex compilation, caches)
    ours = min(watchers(texts) for _ in range(3))
    base = min(baseline(texts) for _ in range(3))
    rate, edits_before = asyncio.run(presses(300, 0.0))
    coalesced_rate, edits_after = asyncio.run(presses(300, 1.0))
    print(json.dumps({
        "bench": "engagement", "messages": len(texts),
        "watchers_us_per_message": round(ours / len(texts) * 1e6, 2),
        "baseline_us_per_message": round(base / len(texts) * 1e6, 2),
        "ratio_to_word_count": round(ours / base, 1),
        "poll_presses_per_s": round(rate, 1),
        "poll_presses_per_s_coalesced": round(coalesced_rate, 1),
        "card_edits_per_300_presses_no_window": edits_before,
        "card_edits_per_300_presses_1s_window": edits_after,
    }), flush=True)


if __name__ == "__main__":
    main()
