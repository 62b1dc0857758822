"""The collector is set for a long-running loop in a real process, and put back at stop."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

from bot import collector
from bot.clock import ManualClock, SystemClock


def test_a_real_process_freezes_what_start_up_built_and_its_stop_puts_it_back() -> None:
    before = gc.get_threshold()
    assert not collector.settle(ManualClock(datetime(2026, 1, 5, tzinfo=UTC)))  # consoles and tests: defaults
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before
    clock = SystemClock()
    try:
        assert collector.settle(clock)
        assert gc.get_freeze_count() > 1000  # the modules, config and engine built so far
        assert gc.get_threshold() == (collector.YOUNG, collector.MIDDLE, collector.FULL_AFTER)
    finally:
        collector.release(clock)
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == collector.DEFAULTS
