"""Character spam: an over-long message, or one character repeated too often."""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Callable, Sequence

from cogs.moderation.activity import MessageFacts, Seen, Tracker
from cogs.moderation.settings import Rule


def check(rule: Rule, seen: Seen) -> str | None:
    """Too long, or a run of one character."""
    spec, text = rule.chars, seen.facts.text
    if spec is None:
        return None
    if spec.max_length is not None and len(text) > spec.max_length:
        return f"{len(text)} characters (max {spec.max_length})"
    if spec.max_repeat is not None and len(text) >= spec.max_repeat:
        run = _repeat_run(spec.max_repeat).search(text)
        if run is not None:
            return f"character repeated {len(run.group(0))} times"
    return None


@functools.lru_cache(maxsize=64)
def _repeat_run(count: int) -> re.Pattern[str]:
    """A character repeated ``count`` times or more (compiled once per limit)."""
    return re.compile(r"(.)\1{" + str(count - 1) + ",}", re.S)


def screen(rules: Sequence[Rule]) -> Callable[[MessageFacts, Tracker], bool]:
    """Longer than the shortest limit, or long enough to hold the shortest run."""
    specs = [r.chars for r in rules if r.chars is not None]
    longest = min((s.max_length for s in specs if s.max_length is not None), default=None)
    run = min((s.max_repeat for s in specs if s.max_repeat is not None), default=None)
    step = max(1, run // 2) if run is not None else 0

    def could(facts: MessageFacts, tracker: Tracker) -> bool:
        text = facts.text
        if longest is not None and len(text) > longest:
            return True
        if run is None or len(text) < run:
            return False
        # a run of ``run`` >= 2 * step equal characters holds two neighbouring multiples of ``step`` and
        # everything between: look for that only where one character in every ``step`` repeats
        sample = text[::step]
        if not any(map(operator.eq, sample, sample[1:])):
            return False
        for j, (here, there) in enumerate(itertools.pairwise(sample)):
            if here == there and text.startswith(here * (step + 1), j * step):
                return True
        return False
    return could
