"""Interaction memory: entries expire after the platform's lifetime and never grow past their bound."""

from __future__ import annotations

from bot.expiring import Expiring


def test_entries_expire_and_the_oldest_go_first() -> None:
    now = [0.0]
    memory: Expiring[str] = Expiring(ttl=15 * 60, size=2, clock=lambda: now[0])
    memory.put("a", "first")
    now[0] = 60
    memory.put("b", "second")
    assert (memory.get("a"), memory.get("b"), memory.get(None)) == ("first", "second", None)
    now[0] = 120
    memory.put("c", "third")  # past its size: the oldest is forgotten
    assert (memory.get("a"), len(memory)) == (None, 2)
    now[0] = 60 + 15 * 60 + 1  # past b's lifetime, not yet c's
    assert (memory.get("b"), memory.get("c")) == (None, "third")
