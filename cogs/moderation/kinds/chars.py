"""Character spam: an over-long message, or one character repeated too often."""

from __future__ import annotations

import functools
import itertools
import operator
import re

from cogs.moderation.activity import Seen
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


def could_repeat(text: str, step: int) -> bool:
    """Whether the text may hold a run of ``2 * step`` or more equal characters (it may say yes more often).

    Such a run holds two neighbouring multiples of ``step`` and everything between: look for that
    only where one character in every ``step`` repeats.
    """
    sample = text[::step]
    if not any(map(operator.eq, sample, sample[1:])):
        return False
    for j, (here, there) in enumerate(itertools.pairwise(sample)):
        if here == there and text.startswith(here * (step + 1), j * step):
            return True
    return False
