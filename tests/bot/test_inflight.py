"""InFlight runs work inline until it waits, then in a tracked task a cancelled caller cannot cancel."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from bot.inflight import InFlight, _Resumed


async def test_work_that_never_waits_is_done_when_run_returns() -> None:
    done: list[str] = []

    async def work() -> None:
        done.append("x")

    flight = InFlight()
    await flight.run(work())
    assert done == ["x"] and not flight._tasks


async def test_work_that_waits_finishes_even_when_its_caller_is_cancelled() -> None:
    gate, done = asyncio.Event(), []

    async def work() -> None:
        await asyncio.sleep(0)  # a bare yield
        await gate.wait()  # a future
        done.append("x")

    flight = InFlight()
    caller = asyncio.create_task(flight.run(work()))
    for _ in range(3):
        await asyncio.sleep(0)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert done == [] and len(flight._tasks) == 1  # still tracked, so idle() waits for it
    gate.set()
    await flight.idle()
    assert done == ["x"] and not flight._tasks


async def test_errors_reach_the_caller_on_both_paths() -> None:
    async def fails_at_once() -> None:
        raise ValueError("now")

    async def fails_later() -> None:
        await asyncio.sleep(0)
        raise ValueError("later")

    flight = InFlight()
    with pytest.raises(ValueError, match="now"):
        await flight.run(fails_at_once())
    with pytest.raises(ValueError, match="later"):
        await flight.run(fails_later())


async def test_a_waiting_work_gets_its_values_and_its_exceptions() -> None:
    seen: list[object] = []
    loop = asyncio.get_running_loop()

    async def work() -> None:
        fut: asyncio.Future[int] = loop.create_future()
        loop.call_soon(fut.set_result, 41)
        seen.append(await fut + 1)
        bad: asyncio.Future[int] = loop.create_future()
        loop.call_soon(bad.set_exception, KeyError("k"))
        try:
            await bad
        except KeyError as exc:
            seen.append(exc.args[0])

    await InFlight().run(work())
    assert seen == [42, "k"]


async def test_cancelling_the_moved_task_reaches_the_work() -> None:
    flight, seen = InFlight(), []

    async def work() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    caller = asyncio.create_task(flight.run(work()))
    await asyncio.sleep(0)
    (task,) = flight._tasks
    task.cancel()  # as at shutdown
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert seen == ["cancelled"]


async def test_the_moved_work_can_also_be_awaited_directly() -> None:
    loop = asyncio.get_running_loop()

    async def work() -> int:
        fut: asyncio.Future[int] = loop.create_future()
        loop.call_soon(fut.set_result, 1)
        return await fut + 1

    coro = work()
    first = coro.send(None)
    assert await _Resumed(coro, first) == 2


async def test_a_context_variable_set_before_the_first_wait_is_reset_after_it() -> None:
    """Work that sets a context variable, waits, then resets it (as a job's effects do) runs in one context,
    and leaves the caller's untouched."""
    var: contextvars.ContextVar[str | None] = contextvars.ContextVar("steward-test-var", default=None)
    seen: list[str | None] = []

    async def work() -> None:
        token = var.set("inside")
        await asyncio.sleep(0)
        seen.append(var.get())
        var.reset(token)

    await InFlight().run(work())
    assert seen == ["inside"] and var.get() is None


async def test_a_thousand_events_handed_in_at_once_begin_a_share_per_turn_and_all_finish() -> None:
    turn = 0

    def count() -> None:  # one tick per turn of the loop
        nonlocal turn
        turn += 1
        loop.call_soon(count)

    loop = asyncio.get_running_loop()
    loop.call_soon(count)
    began: list[int] = []
    done: list[int] = []

    async def work(i: int) -> None:
        began.append(turn)
        await asyncio.sleep(0)
        done.append(i)

    flight = InFlight(per_turn=50)
    await asyncio.gather(*(flight.run(work(i)) for i in range(1000)))
    per_turn = {t: began.count(t) for t in set(began)}
    assert max(per_turn.values()) <= 50 and len(per_turn) >= 20  # spread over turns, never more than the share
    assert sorted(done) == list(range(1000)) and not flight._tasks
    now = turn
    await flight.run(work(1000))  # once the queue is empty, an event begins inline again
    assert began[-1] == now
