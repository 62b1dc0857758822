"""The moderation pipeline survives any string Python can hold, lone surrogates included."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.actions import DeleteMessage, Reply
from bot.testing import Harness
from cogs.moderation import COG
from tests.cogs.moderation.conftest import CONFIG

# Every code point, surrogates too (hypothesis leaves category Cs out unless asked).
anything = st.text(st.characters(exclude_categories=()), max_size=40)
surrogates = st.sampled_from(["\udce9", "\ud800", "\udfff", "\ud83d", "\ude00\ud83d"])


class _Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def drive(db_url: str, texts: list[str]) -> list[str]:
    failures = _Failures()
    logging.getLogger().addHandler(failures)
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    try:
        h.add_member("mo", "Moderators", rank=10)
        h.add_member("bob")
        for text in texts:
            await h.post("bob", text)
            await h.post("bob", text, channel="#events")
            for line in (f"/warn @bob {text}", f"/note @bob {text}", f"/timeout @bob 5m {text}", "/untimeout @bob"):
                answers = [a for a in await h.command("mo", line) if isinstance(a, Reply)]
                assert answers, line  # answered, never silent
            h.adapter.members["bob"].name = text or "bob"
            await h.command("mo", "/cases @bob")
        # a banned word next to a lone surrogate is still taken down
        assert any(isinstance(a, DeleteMessage) for a in await h.post("bob", "caf\udce9 casino"))
        replies = [a for a in await h.command("mo", "/warn @bob caf\udce9 spam") if isinstance(a, Reply)]
        assert replies and replies[0].content.plain().startswith("Case #")
    finally:
        await h.close()
        logging.getLogger().removeHandler(failures)
    return [r.getMessage() for r in failures.records]


@pytest.mark.timeout(300)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(anything, st.tuples(anything, surrogates, anything).map("".join)), min_size=3, max_size=6))
def test_every_handler_survives_any_unicode(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        failures = asyncio.run(drive(f"sqlite+aiosqlite:///{Path(tmp) / 'steward.db'}", texts))
    assert failures == []
