"""Batched look-ups: keys asked for together share one query, and no caller is left waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.batched import Batched


class Store:
    """A load_many that records each query's keys; ``fail`` makes the next query raise."""

    def __init__(self) -> None:
        self.asked: list[list[int]] = []
        self.fail: Exception | None = None
        self.gate: asyncio.Event | None = None

    async def load(self, keys: list[int]) -> Mapping[int, str]:
        self.asked.append(list(keys))
        if self.gate is not None:
            await self.gate.wait()
        await asyncio.sleep(0)
        if self.fail is not None:
            error, self.fail = self.fail, None
            raise error
        return {k: f"v{k}" for k in keys if k >= 0}  # a negative key has no value


async def test_keys_asked_for_together_share_one_query() -> None:
    store = Store()
    loader = Batched(store.load)
    values = await asyncio.gather(*(loader.get(k) for k in [1, 2, 3, 2, 1]))
    assert values == ["v1", "v2", "v3", "v2", "v1"]
    assert store.asked == [[1, 2, 3]] and loader.queries == 1


async def test_keys_asked_for_while_a_query_runs_go_in_the_next_one() -> None:
    store = Store()
    store.gate = asyncio.Event()
    loader = Batched(store.load, most=2)
    first = asyncio.gather(*(loader.get(k) for k in [1, 2, 3]))
    await asyncio.sleep(0)
    later = asyncio.gather(*(loader.get(k) for k in [4, 1]))  # 1 is still waiting: shared, not asked again
    await asyncio.sleep(0)
    store.gate.set()
    assert await first == ["v1", "v2", "v3"] and await later == ["v4", "v1"]
    assert store.asked == [[1, 2], [3, 4]]


async def test_a_failed_query_reaches_its_callers_and_the_next_one_runs_afresh() -> None:
    store = Store()
    store.fail = RuntimeError("database gone")
    loader = Batched(store.load)
    results = await asyncio.gather(loader.get(1), loader.get(2), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert await loader.get(1) == "v1"


async def test_a_key_with_no_value_is_an_error_for_its_callers_only() -> None:
    loader = Batched(Store().load)
    results = await asyncio.gather(loader.get(-1), loader.get(5), return_exceptions=True)
    assert isinstance(results[0], LookupError) and results[1] == "v5"


async def test_a_cancelled_caller_does_not_cancel_the_query_for_the_others() -> None:
    store = Store()
    store.gate = asyncio.Event()
    loader = Batched(store.load)
    quitter = asyncio.ensure_future(loader.get(7))
    stayer = asyncio.ensure_future(loader.get(7))
    await asyncio.sleep(0)
    quitter.cancel()
    store.gate.set()
    assert await stayer == "v7"
    with pytest.raises(asyncio.CancelledError):
        await quitter


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(-3, 40), max_size=30), max_size=6), st.integers(1, 8))
def test_any_waves_of_keys_get_each_its_own_value(waves: list[list[int]], most: int) -> None:
    async def run() -> None:
        store = Store()
        loader = Batched(store.load, most=most)
        pending = []
        for wave in waves:  # each wave arrives a turn of the loop after the one before
            pending += [(k, asyncio.ensure_future(loader.get(k))) for k in wave]
            await asyncio.sleep(0)
        for key, future in pending:
            if key >= 0:
                assert await future == f"v{key}"
            else:
                with pytest.raises(LookupError):
                    await future
        assert all(len(q) <= most and len(set(q)) == len(q) for q in store.asked)
        # a key is asked again only after the query that had it answered
        assert sum(len(q) for q in store.asked) <= sum(len(w) for w in waves)
        assert loader._waiting == {} and loader._queued == []
    asyncio.run(run())
