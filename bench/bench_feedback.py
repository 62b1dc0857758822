"""Duplicate-finder benchmark (``make bench``): cost per capture with 10,000 open items.

A capture is what the cog will do for each new piece of feedback: look up similar open items,
then index the new one. Items are generated from a fixed seed (a title from product vocabulary
plus a sentence or two of details). The baseline, measured in the same run on the same items, is
the naive finder: rapidfuzz's ``token_set_ratio`` against every open item in a Python loop.
"""

from __future__ import annotations

import json
import random
import statistics
import time

from rapidfuzz import fuzz

from cogs.feedback.similar import SimilarIndex

VERBS = ["add", "please add", "support", "I need", "can we get", "would love", "fix", "improve", "allow", "bring back"]
THINGS = ["dark mode", "export to csv", "login with google", "push notifications", "custom emoji", "voice messages",
          "2fa", "offline mode", "search in attachments", "recurring events", "bigger fonts", "pinned messages",
          "read receipts", "calendar sync", "invoices with vat", "student discount", "screen sharing", "polls",
          "keyboard shortcuts", "threads", "folders", "tags", "undo delete", "scheduled posts", "widgets",
          "api rate limit", "markdown tables", "profile pictures", "french translation", "backup", "sso"]
WHERE = ["on mobile", "on desktop", "in the web version", "on android", "on iphone", "on the ipad", "for admins",
         "in channels", "in dms", "for events", "", "", ""]
DETAIL = ("it would really help our team because we use it every day and the current way is slow and "
          "confusing for new members who join from other tools where this already works fine so many "
          "people asked about it in the community last week during the meetup and again today").split()


def item_texts(n: int, rng: random.Random) -> list[str]:
    """``n`` feedback texts: a title and a short generated explanation."""
    out = []
    for _ in range(n):
        title = " ".join(p for p in (rng.choice(VERBS), rng.choice(THINGS), rng.choice(WHERE)) if p)
        start = rng.randrange(len(DETAIL) - 20)
        details = " ".join(DETAIL[start:start + rng.randint(5, 20)])
        out.append(f"{title}. {details}")
    return out


def _naive(items: dict[int, str], text: str, limit: int = 5) -> list[tuple[int, float]]:
    scored = [(item_id, fuzz.token_set_ratio(text, other)) for item_id, other in items.items()]
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]


def run(n_items: int = 10_000, captures: int = 300, seed: int = 13) -> dict[str, float | int]:
    """Build an index of ``n_items``, then time ``captures`` captures (query + add) on both sides."""
    rng = random.Random(seed)
    texts = item_texts(n_items + captures, rng)
    index = SimilarIndex()
    t0 = time.perf_counter()
    index.add_many(enumerate(texts[:n_items]))
    build_s = time.perf_counter() - t0
    ours = []
    for k, text in enumerate(texts[n_items:], start=n_items):
        t = time.perf_counter()
        index.similar(text)
        index.add(k, text)
        ours.append(time.perf_counter() - t)
    plain = dict(enumerate(texts[:n_items]))
    naive = []
    for k, text in enumerate(texts[n_items:], start=n_items):
        t = time.perf_counter()
        _naive(plain, text)
        plain[k] = text
        naive.append(time.perf_counter() - t)
    ours.sort()
    naive.sort()
    p50, p99 = statistics.median(ours), ours[int(len(ours) * 0.99) - 1]
    naive_p50 = statistics.median(naive)
    return {"open_items": n_items, "captures": captures, "build_s": round(build_s, 2),
            "capture_p50_ms": round(p50 * 1e3, 2), "capture_p99_ms": round(p99 * 1e3, 2),
            "naive_p50_ms": round(naive_p50 * 1e3, 2), "speedup_vs_naive": round(naive_p50 / p50, 1)}


def main() -> None:
    """Print one JSON object: build time, capture p50/p99 in ms, the naive loop's p50, the ratio."""
    print(json.dumps(run()), flush=True)
