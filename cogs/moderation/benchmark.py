"""The moderation match benchmark: Steward's engine against a naive per-rule ``re`` loop.

Messages are generated (mixed length, some Unicode and emoji, ~1% hits) from a fixed seed so
runs are comparable. Both sides run in this process on the same messages.
"""

from __future__ import annotations

import random
import re
import string
import time
from typing import Any

from cogs.moderation.normalise import warm
from cogs.moderation.settings import ModerationSettings

COMMON = ("the and you that was for are with his they this have from one had word but not what all were "
          "when your can said there use each which she how their will other about out many then them these "
          "some her would make like him into time has look two more write see number way could people "
          "than first water been call who its now find long down day did get come made may part class "
          "assess scunthorpe cockpit shell hello release notes version server channel thanks everyone "
          "question answer please help event tonight meeting project build test deploy issue fixed").split()
UNICODE_BITS = ("café", "naïve", "über", "👍", "🎉", "😂", "—", "日本語", "привет", "ｆｕｌｌ", "🔥🔥", "señor")


def keywords(n: int, rng: random.Random) -> list[str]:
    """``n`` distinct pseudo-words that never occur in normal messages."""
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(6, 12))) + "q")
    return sorted(out)


def regexes(m: int, rng: random.Random) -> list[str]:
    """``m`` scam-style patterns of the kind admins write."""
    stems = ["fr[e3]{2}\\s*n[i1]tr[o0]", "steam\\s*gift\\s*card", "claim\\s+your\\s+\\w+\\s+now",
             "d[i1]sc[o0]rd\\s*nitro", "crypto\\s*(?:airdrop|giveaway)", "(?:earn|make)\\s+\\$?\\d+k?\\s+daily"]
    return [f"{stems[i % len(stems)]}{'x' * (i // len(stems))}" if i >= len(stems) else stems[i]
            for i in range(m)]


def messages(k: int, words: list[str], rng: random.Random, hit_rate: float = 0.01) -> list[str]:
    """Generated chat: mostly short, some long, ~10% with Unicode or emoji, ``hit_rate`` with a keyword."""
    out = []
    for _ in range(k):
        size = rng.choice((3, 5, 8, 12, 20, 40)) if rng.random() < 0.97 else rng.randint(80, 200)
        parts = [rng.choice(COMMON) for _ in range(size)]
        if rng.random() < 0.10:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(UNICODE_BITS))
        if rng.random() < hit_rate:
            word = rng.choice(words)
            if rng.random() < 0.5:  # some hits are disguised
                word = " ".join(word) if rng.random() < 0.5 else word.upper().replace("E", "3").replace("O", "0")
            parts.insert(rng.randrange(len(parts) + 1), word)
        text = " ".join(parts)
        out.append(text[0].upper() + text[1:] + rng.choice((".", "!", "?", "", "")))
    return out


def build_settings(words: list[str], patterns: list[str]) -> ModerationSettings:
    """A settings object as the config loader would build it."""
    rules: list[dict[str, Any]] = [{"name": "words", "words": words, "actions": ["delete"]}]
    if patterns:
        rules.append({"name": "patterns", "regex": patterns, "actions": ["delete"]})
    return ModerationSettings.model_validate({"rules": rules})


def _engine_rate(settings: ModerationSettings, msgs: list[str]) -> tuple[float, list[int], int]:
    engine = settings.engine
    for text in msgs:  # warm RE2's lazily built DFA, as a running bot would be
        engine.match(text)
    best_rate, best_samples, hits = 0.0, [], 0
    for _round in range(3):
        samples = []
        hits = 0
        clock = time.perf_counter_ns
        start = clock()
        for text in msgs:
            t0 = clock()
            if engine.match(text):
                hits += 1
            samples.append(clock() - t0)
        rate = len(msgs) / ((clock() - start) / 1e9)
        if rate > best_rate:
            best_rate, best_samples = rate, samples
    return best_rate, best_samples, hits


def _naive_rate(words: list[str], patterns: list[str], msgs: list[str]) -> float:
    compiled = [re.compile(r"\b" + re.escape(w) + r"\b", re.IGNORECASE) for w in words]
    compiled += [re.compile(p, re.IGNORECASE) for p in patterns]
    start = time.perf_counter()
    for text in msgs:
        for pattern in compiled:
            if pattern.search(text):
                break
    return len(msgs) / (time.perf_counter() - start)


def hostile_us(repeat: int = 20) -> float:
    """Microseconds per match of catastrophic patterns on a hostile 20k-character input (RE2)."""
    from cogs.moderation.matcher import TextRule, build_engine

    engine = build_engine([TextRule(0, regexes=(r"(a+)+$", r"(x+x+)+y", r"(.*a){12}"))])
    hostile = "a" * 20_000 + "!"
    start = time.perf_counter()
    for _ in range(repeat):
        engine.match(hostile)
    return (time.perf_counter() - start) / repeat * 1e6


def _percentile(samples: list[int], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000.0


def run(n_keywords: int = 10_000, n_regexes: int = 50, n_messages: int = 20_000, seed: int = 7,
        naive_messages: int = 300) -> dict[str, Any]:
    """Run the benchmark; returns the figures as one JSON-able dict."""
    warm()
    rng = random.Random(seed)
    words = keywords(n_keywords, rng)
    patterns = regexes(n_regexes, rng)
    msgs = messages(n_messages, words, rng)
    build_start = time.perf_counter()
    settings = build_settings(words, patterns)
    build_ms = (time.perf_counter() - build_start) * 1000
    rate, samples, hits = _engine_rate(settings, msgs)
    naive = _naive_rate(words, patterns, msgs[:naive_messages])
    result: dict[str, Any] = {
        "keywords": n_keywords, "regexes": n_regexes, "messages": n_messages,
        "msgs_per_s": round(rate), "p50_us": round(_percentile(samples, 0.50), 2),
        "p99_us": round(_percentile(samples, 0.99), 2), "max_us": round(max(samples) / 1000.0, 1),
        "hit_rate": round(hits / len(msgs), 4), "naive_msgs_per_s": round(naive, 1),
        "ratio": round(rate / naive, 1), "compile_ms": round(build_ms, 1),
    }
    if n_keywords > 1000:
        small = build_settings(words[:1000], patterns)
        small_rate, _samples, _hits = _engine_rate(small, msgs)
        result["msgs_per_s_1k"] = round(small_rate)
        result["scale_ratio_10k_vs_1k"] = round(rate / small_rate, 3)
    result["hostile_regex_us"] = round(hostile_us(), 1)
    result["budget"] = {
        "msgs_per_s>=100000": rate >= 100_000,
        "p99_us<=100": result["p99_us"] <= 100,
        "ratio>=300": result["ratio"] >= 300,
        "scale>=0.7": result.get("scale_ratio_10k_vs_1k", 1.0) >= 0.7,
        "hostile_regex_us<1000": result["hostile_regex_us"] < 1000,
    }
    return result
