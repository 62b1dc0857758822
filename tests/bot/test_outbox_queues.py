"""A sender with free slots picks exactly what a full look at every channel would, in the same order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.actions import BanMember, SendMessage
from bot.clock import ManualClock
from bot.content import Content
from bot.outbox.chain import DROP, GO
from bot.outbox.entry import Entry
from bot.outbox.pacer import Pacer
from bot.outbox.queues import Queues
from bot.outbox.rules import LANES
from bot.refs import ChannelRef, UserRef

START = datetime(2026, 1, 1, tzinfo=UTC)
CHANNELS = ("ch:a", "ch:b", "ch:c", "dm:1", "member:2")


def _action(paced: bool) -> SendMessage | BanMember:
    if paced:
        return SendMessage(channel=ChannelRef("memory", "a"), content=Content(("hi",)))
    return BanMember(scope="s", user=UserRef("memory", "2"))


def _goes_now_by_queue(queues: Queues, entry: Entry, looking: frozenset[str] = frozenset()) -> bool:
    """goes_now as it was written first: its channel busy when any entry of its queue is in flight (and a
    ring of followers answered no, as goes_now does)."""
    if entry.key in queues.inflight:
        return True
    if entry.key in looking:
        return False
    looking |= {entry.key}
    followed = queues.entries.get(entry.after) if entry.after else None
    if followed is not None and not _goes_now_by_queue(queues, followed, looking):
        return False
    now, queue = queues.clock.now(), queues.channels.get(entry.channel, ())
    if any(e.key in queues.inflight for e in queue):
        return False

    def waits(e: Entry) -> bool:
        leader = queues.entries.get(e.after) if e.after else None
        return leader is not None and (e.if_not != GO or _goes_now_by_queue(queues, leader, looking))

    first = next((e for e in queue if e.not_before <= now and (e is entry or not waits(e))), None)
    return first is entry and queues.pacer.ready(entry.channel, isinstance(entry.action, SendMessage))


step = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(CHANNELS), st.sampled_from(LANES), st.integers(0, 3),
              st.booleans(), st.integers(-1, 30), st.sampled_from((GO, DROP))),
    st.tuples(st.just("remove"), st.integers(0, 60)),
    st.tuples(st.just("send"), st.integers(0, 60)),
    st.tuples(st.just("land"), st.integers(0, 60)),
    st.tuples(st.just("pace"), st.sampled_from(CHANNELS)),
    st.tuples(st.just("hold"), st.sampled_from(CHANNELS), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("tick"), st.integers(0, 2)),
)


@settings(max_examples=300)
@given(st.lists(step, max_size=60), st.integers(1, 8))
def test_the_first_ready_entries_are_those_of_a_full_look(steps: list[tuple[object, ...]], limit: int) -> None:
    asyncio.run(_check(steps, limit))


async def _check(steps: list[tuple[object, ...]], limit: int) -> None:
    clock = ManualClock(START)
    pacer = Pacer(clock, interval=1.0)
    queues = Queues(clock, pacer)
    made: list[Entry] = []
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    for seq, (kind, *args) in enumerate(steps):
        if kind == "add":
            channel, lane, delay, paced, after, if_not = args
            assert isinstance(after, int) and isinstance(delay, int)
            follows = made[after].key if 0 <= after < len(made) else None
            entry = Entry(f"k{seq}", None, "memory", str(lane), str(channel), _action(bool(paced)),
                          clock.now() + timedelta(seconds=delay), None, seq=seq, after=follows,
                          if_not=str(if_not) if follows else None)
            made.append(entry)
            queues.add(entry)
        elif kind in ("remove", "send", "land") and made:
            assert isinstance(args[0], int)
            entry = made[args[0] % len(made)]
            if kind == "remove":
                queues.remove(entry)
            elif kind == "send" and entry.key in queues.entries:
                queues.inflight[entry.key] = never  # type: ignore[assignment]
            else:
                queues.inflight.pop(entry.key, None)
        elif kind == "pace":
            pacer.started(str(args[0]))
        elif kind == "hold":
            pacer.hold(str(args[0]), float(str(args[1])), everything=bool(args[2]))
        elif kind == "tick":
            await clock.advance(timedelta(seconds=int(str(args[0]))))
        assert queues.first_ready(limit) == queues.ready_now()[:limit]
        assert queues.first_ready(0) == []
        for entry in made:
            if entry.key in queues.entries:
                assert queues.goes_now(entry) == _goes_now_by_queue(queues, entry)
    never.cancel()


def test_an_entry_behind_a_channel_s_waiting_first_one_does_not_go_before_an_earlier_channel() -> None:
    async def check() -> None:
        clock = ManualClock(START)
        queues = Queues(clock, Pacer(clock))
        later = Entry("later", None, "memory", LANES[0], "ch:a", _action(False), START + timedelta(seconds=5), None,
                      seq=0)
        behind = Entry("behind", None, "memory", LANES[0], "ch:a", _action(False), START, None, seq=2)
        other = Entry("other", None, "memory", LANES[0], "ch:b", _action(False), START, None, seq=1)
        for entry in (later, behind, other):
            queues.add(entry)
        assert queues.first_ready(1) == [other]  # ch:a comes first by its first entry, which is not due yet
        assert queues.first_ready(2) == [other, behind] == queues.ready_now()
    asyncio.run(check())


def test_followers_waiting_on_each_other_across_channels_answer_instead_of_recursing() -> None:
    async def check() -> None:
        clock = ManualClock(START)
        queues = Queues(clock, Pacer(clock))
        d = Entry("d", None, "memory", LANES[-1], "ch:x", _action(False), START, None, seq=0)
        c = Entry("c", None, "memory", LANES[-1], "ch:y", _action(False), START, None, seq=1, after="d", if_not=GO)
        b = Entry("b", None, "memory", LANES[-1], "ch:y", _action(False), START, None, seq=2)
        # urgent, so ahead of d in its channel although staged after it: a waits on b, behind c, which waits on d
        a = Entry("a", None, "memory", LANES[0], "ch:x", _action(False), START, None, seq=3, after="b", if_not=GO)
        for entry in (d, c, b, a):
            queues.add(entry)
        assert [queues.goes_now(e) for e in (a, b, c, d)] == [False, False, False, False]
        assert queues.first_ready(4) == queues.ready_now()
        assert queues.first_ready(4)  # the ring does not stop everything: a go follower in it does not wait
    asyncio.run(check())
