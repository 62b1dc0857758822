"""How long an adapter remembers what it needs to answer an interaction: one rule for all of them.

Interaction tokens, response URLs and forms waiting to be opened are kept by key for a time the
platform sets (Discord's tokens live 15 minutes, Slack's response URLs 30) and in bounded number,
so a flood of interactions can't grow memory without end.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class Expiring(Generic[V]):
    """A map whose entries expire after ``ttl`` seconds; past ``size`` entries the oldest go first."""

    def __init__(self, ttl: float, size: int = 5000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._items: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def put(self, key: str, value: V) -> None:
        """Remember a value."""
        self._items[key] = (self.clock(), value)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def get(self, key: str | None) -> V | None:
        """The value, or None when unknown or expired."""
        if key is None or key not in self._items:
            return None
        at, value = self._items[key]
        if self.clock() - at > self.ttl:
            del self._items[key]
            return None
        return value

    def __len__(self) -> int:
        return len(self._items)
