"""Any text, in any field or argument, in any order: every /feedback line and form gets an answer and no
handler fails; a member's own words are never lost (a refusal quotes them back)."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from logging.handlers import BufferingHandler
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.actions import Reply
from bot.testing import Harness
from cogs.feedback import COG
from tests.cogs.feedback.conftest import CONFIG, buttons, submit

anything = st.text(st.characters(exclude_categories=()), max_size=60)
SUBS = ["", "list", "show", "vote", "unvote", "status", "merge", "unmerge", "tag", "who", "top", "help", "list new",
        "status 1", "merge 1", "tag 1"]


async def drive(db_url: str, steps: list[tuple[str, str, str]]) -> list[str]:
    failures = BufferingHandler(100_000)  # the stdlib's record list
    failures.setLevel(logging.ERROR)
    logging.getLogger().addHandler(failures)
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"feedback": COG})
    try:
        h.add_member("mo", "Moderators", rank=10)
        await submit(h, "alice", "Dark mode on mobile")
        for who, sub, text in steps:
            answers = [a for a in await h.command(who, f"/feedback {sub} {text}") if isinstance(a, Reply)]
            opened = sub == "" and not text.strip()
            assert answers or opened, (who, sub, text)  # answered, never silent
            for b in buttons(answers)[:2]:
                await h.press(who, b)
            sent = [a for a in await submit(h, who, text, text) if isinstance(a, Reply)]
            assert sent
            said = sent[0].content.plain()
            assert said.startswith("Thanks!") or said.startswith("Your feedback is empty") or \
                text.strip()[:20] in said or "What you wrote" in said
            await h.post(who, text, "#feedback")
            await h.submit(who, "feedback:submit", {"title": text, "category": text, "anonymous": text})
    finally:
        await h.close()
        logging.getLogger().removeHandler(failures)
    return [r.getMessage() for r in failures.buffer]


@pytest.mark.timeout(300)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["bob", "mo"]), st.sampled_from(SUBS), anything), min_size=2, max_size=5))
def test_any_command_line_and_form_is_answered(steps: list[tuple[str, str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        failures = asyncio.run(drive(f"sqlite+aiosqlite:///{Path(tmp) / 'steward.db'}", steps))
    assert failures == []
