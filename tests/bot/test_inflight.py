"""InFlight runs work inline until it waits, then in a tracked task a cancelled caller cannot cancel."""

from __future__ import annotations

import asyncio

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
