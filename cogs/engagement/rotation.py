"""Prompt rotation without I/O: no prompt repeats until the whole pool has been used.

A prompt is known by the hash of its text, so a reload that adds, removes or reorders prompts
keeps the rotation: what was used stays used, a new prompt joins the current round, and a removed
one stays used until the round ends (so a reload that puts it back does not repeat it). The order
within a round is a shuffle fixed by the schedule's name and the round number, so it is the same
in every process and after every restart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass


def prompt_id(text: str) -> str:
    """A prompt's stable id (12 hex digits of its text's SHA-256)."""
    return hashlib.sha256(text.strip().encode("utf-8", "surrogatepass")).hexdigest()[:12]


@dataclass(frozen=True)
class Rotation:
    """Where a schedule's rotation stands: the round, the prompts used in it, the last one posted."""

    round: int = 0
    used: tuple[str, ...] = ()
    last: str = ""


def _rank(schedule: str, round_: int, pid: str) -> str:
    return hashlib.sha256(f"{schedule}:{round_}:{pid}".encode()).hexdigest()


def pick(schedule: str, pool: Sequence[str], state: Rotation) -> tuple[int, Rotation]:
    """The index in ``pool`` of the next prompt and the rotation after posting it.

    Raises ValueError on an empty pool (the config refuses one first).
    """
    if not pool:
        raise ValueError("the prompt pool is empty")
    ids = [prompt_id(p) for p in pool]
    used = state.used  # a prompt a reload removed stays used: putting it back must not repeat it
    round_ = state.round
    left = [i for i, pid in enumerate(ids) if pid not in used]
    if not left:  # the pool is used up: a new round, never starting with the prompt posted last
        round_, used = round_ + 1, ()
        left = [i for i, pid in enumerate(ids) if pid != state.last] or list(range(len(ids)))
    chosen = min(left, key=lambda i: _rank(schedule, round_, ids[i]))
    return chosen, Rotation(round_, (*used, ids[chosen]), ids[chosen])


def render(template: str, **values: str | int) -> str:
    """A trusted admin template with ``{name}`` filled in; unknown names stay visible."""
    out = template
    for name, value in values.items():
        out = out.replace("{" + name + "}", str(value))
    return out
