"""The garbage collector, set for a long-running event loop: what start-up built is left alone.

Why: CPython's cyclic collector walks every tracked container of the generation it collects,
and a full collection walks them all. A started Steward holds hundreds of thousands of objects
that live as long as the process (SQLAlchemy's mappers and compiled statements, pydantic models,
the rule engine, the platform libraries' modules). During a spam wave each rule-breaking message
allocates a few hundred containers (the event, actions, case rows, content), so young
collections come every few messages and full ones every few thousand — measured on the wave
benchmark: 5–6 full collections of 260–330 ms each, the loop's longest stalls. Two settings:

- ``gc.freeze()`` once start-up is done moves every object alive then into the permanent
  generation: collections never walk them again (they are still freed by reference counting);
- a larger first threshold (``YOUNG`` allocations instead of 700) makes young collections rarer
  (each still cheap: young objects of a wave mostly die young), and full collections wait for
  ``FULL_AFTER`` middle ones instead of 10.

The runtime's stop puts the frozen objects back (``gc.unfreeze()``), so a process that starts
and stops several runtimes (tests) frees the earlier ones; consoles and tests, on a manual clock,
keep the interpreter's defaults.
"""

from __future__ import annotations

import gc

from bot.clock import Clock, ManualClock

YOUNG = 20_000  # measured on the wave: 5,000 and 50,000 both gave longer single collections
MIDDLE = 20
FULL_AFTER = 100
DEFAULTS = (700, 10, 10)  # the interpreter's own


def settle(clock: Clock, *, force: bool = False) -> bool:
    """After start-up: freeze what exists and set the thresholds (a real process, or ``force``)."""
    if isinstance(clock, ManualClock) and not force:
        return False
    gc.collect()  # what start-up left as garbage is freed now, not frozen for ever
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, FULL_AFTER)
    return True


def release(clock: Clock, *, force: bool = False) -> None:
    """At stop: the interpreter's defaults again, the frozen objects collectable again."""
    if isinstance(clock, ManualClock) and not force:
        return
    gc.unfreeze()
    gc.set_threshold(*DEFAULTS)
