"""Facts between cogs that know nothing of each other, and the durable log behind them."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.actions import Action, SendMessage
from bot.cog import Cog, on
from bot.content import text
from bot.events import MessagePosted
from bot.facts import MAX_PAYLOAD, CaseOpened, Fact, FactError, FeedbackCreated, QuestionAsked, decode
from bot.persons import PersonId
from bot.testing import Harness, texts

CONFIG = """
communities:
  - name: acme
    channels: {general: "#general"}
    asker: {}
    counter: {}
"""


@dataclass(frozen=True, kw_only=True)
class OddFact(Fact):
    """A fact with a field that is not JSON (a programming error the bus must survive)."""

    thing: Any


class AskerCog(Cog):
    """Publishes a fact for every message ending in '?' (and a broken one for '!!')."""

    name = "asker"

    @on(MessagePosted)
    async def watch(self, event: MessagePosted) -> None:
        person = await self.ctx.person(event.author)
        if event.text.endswith("?"):
            await self.ctx.publish(QuestionAsked(person=person, channel=event.message.channel_id,
                                                 message=event.message.id))
        if "!!" in event.text:
            assert not await self.ctx.publish(OddFact(person=person, thing=object()))


class CounterCog(Cog):
    """Counts questions; knows the fact type only (from the core), never the asker cog."""

    name = "counter"
    seen = 0

    @on(QuestionAsked)
    async def count(self, fact: QuestionAsked) -> Action:
        self.seen += 1
        return SendMessage(channel=self.ctx.community.channel("general", "memory"),  # type: ignore[arg-type]
                           content=text(f"questions so far: {self.seen}"))


COGS: dict[str, type[Cog]] = {"asker": AskerCog, "counter": CounterCog}


@pytest.mark.pg
async def test_one_cog_publishes_the_other_counts_and_the_log_survives_a_restart(db_url: str) -> None:
    h = await Harness.start(CONFIG, db_url=db_url, cogs=COGS)
    try:
        assert texts(await h.post("ann", "anyone around?")) == ["questions so far: 1"]
        await h.post("bob", "just saying")
        assert texts(await h.post("bob", "what time is it?")) == ["questions so far: 2"]
    finally:
        await h.close()
    h = await Harness.start(CONFIG, db_url=db_url, cogs=COGS)  # a restart: nothing in memory
    try:
        counter = next(c for c in h.runtime.cogs_of("acme") if c.name == "counter")
        logged = await counter.ctx.facts((QuestionAsked,))
        assert [type(f) for f in logged] == [QuestionAsked, QuestionAsked]
        ann = await counter.ctx.person(h.user("ann"))
        bob = await counter.ctx.person(h.user("bob"))
        assert [f.person for f in logged] == [ann, bob]
        assert all(f.community == "acme" and f.at is not None for f in logged)
        assert logged[0].message == "msg1"  # type: ignore[attr-defined]
    finally:
        await h.close()


async def test_a_payload_that_does_not_serialise_is_logged_and_chat_goes_on(
        sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    h = await Harness.start(CONFIG, db_url=sqlite_url, cogs=COGS)
    try:
        with caplog.at_level(logging.ERROR, logger="bot.factbus"):
            assert texts(await h.post("ann", "what!!?")) == ["questions so far: 1"]
        assert "OddFact: payload is not JSON" in caplog.text
        counter = next(c for c in h.runtime.cogs_of("acme") if c.name == "counter")
        assert [f.kind() for f in await counter.ctx.facts()] == ["QuestionAsked"]
    finally:
        await h.close()


async def test_a_reload_delivers_facts_to_the_new_cogs_only(sqlite_url: str) -> None:
    """The bus remembers each fact type's handlers per cogs list: a reload's new instances get the facts."""
    h = await Harness.start(CONFIG, db_url=sqlite_url, cogs=COGS)
    try:
        assert texts(await h.post("ann", "anyone around?")) == ["questions so far: 1"]
        before = next(c for c in h.runtime.cogs_of("acme") if c.name == "counter")
        h.runtime.loader = lambda: h.runtime.config
        await h.runtime.reload()
        after = next(c for c in h.runtime.cogs_of("acme") if c.name == "counter")
        assert after is not before
        assert texts(await h.post("bob", "still there?")) == ["questions so far: 1"]  # the new instance counts
        assert (before.seen, after.seen) == (1, 1)  # type: ignore[attr-defined]
    finally:
        await h.close()


def test_oversized_payload_is_refused() -> None:
    with pytest.raises(FactError, match="bytes"):
        FeedbackCreated(item="x" * (MAX_PAYLOAD + 1)).payload()


@given(st.text(max_size=300), st.text(max_size=40))
def test_payloads_round_trip_through_the_log_shape(item: str, category: str) -> None:
    fact = FeedbackCreated(community="acme", item=item, category=category)
    back = decode(fact.kind(), "acme", None, fact.stamped("acme", __import__("datetime").datetime(2026, 1, 5)).at,
                  fact.payload())
    assert isinstance(back, FeedbackCreated) and (back.item, back.category) == (item, category)


def test_a_case_logged_before_moderator_and_incident_time_still_reads() -> None:
    when = datetime(2026, 1, 5, 10, tzinfo=UTC)
    old = decode("CaseOpened", "acme", 7, when, {"number": 3, "action": "warn", "points": 1, "rule": "spam",
                                                  "automatic": False})
    assert isinstance(old, CaseOpened) and (old.number, old.moderator, old.incident_at) == (3, None, None)
    new = CaseOpened(person=PersonId(7), number=4, action="ban", moderator=PersonId(2),
                     incident_at=when - timedelta(minutes=5)).stamped("acme", when)
    back = decode("CaseOpened", "acme", 7, when, json.loads(json.dumps(new.payload())))
    assert back == new and isinstance(back, CaseOpened) and back.incident_at == when - timedelta(minutes=5)
