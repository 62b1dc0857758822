"""Remember recent deliveries so Slack's retries and redeliveries produce one effect."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable


class Seen:
    """A bounded, time-limited set of delivery keys (event ids, channel+ts pairs)."""

    def __init__(self, size: int = 20_000, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.ttl = ttl
        self.clock = clock
        self._keys: OrderedDict[str, float] = OrderedDict()

    def first(self, keys: Iterable[str]) -> bool:
        """Record ``keys``; True when none of them was seen before (the delivery is new).

        Check and record happen without awaiting, so concurrent deliveries cannot both pass.
        """
        now = self.clock()
        while self._keys:
            oldest, at = next(iter(self._keys.items()))
            if now - at <= self.ttl and len(self._keys) <= self.size:
                break
            self._keys.pop(oldest)
        keys = [k for k in keys if k]
        new = not any(k in self._keys for k in keys)
        for k in keys:
            self._keys[k] = now
            self._keys.move_to_end(k)
        return new
