"""Issue 19, item 1: random lines never end a console session, and every line gets an answer.

One session (the shipped example config, every cog on) runs on its own event loop for the whole
module, so each hypothesis example types into a Steward that has already seen many others.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.adapters.console.example import Session

Run = Callable[[Coroutine[Any, Any, Any]], Any]

NAMES = st.one_of(st.sampled_from(["alice", "bob", "mo", "root", "steward", "", "b@d", "x" * 40]),
                  st.text(max_size=12))
COMMANDS = st.sampled_from(["help", "about", "warn", "timeout", "ban", "kick", "unban", "untimeout", "purge",
                            "case", "cases", "reason", "note", "pardon", "slowmode", "lock", "unlock", "raid",
                            "modstats", "appeal", "reload", "nope", ""])
WORDS = st.one_of(st.sampled_from(["@bob", "@alice", "10m", "2 hours", "10 minutes", "#general", "#nope", "1",
                                   "-3", "99999999999999999999", "casino", "free n1tro", "discord.gg/x", "on",
                                   "off", "@everyone", "\\", "'", '"', "[file a.exe]"]),
                  st.text(max_size=10))
ARGS = st.lists(WORDS, max_size=4).map(" ".join)
BODIES = st.one_of(
    st.text(max_size=40),
    st.tuples(COMMANDS, ARGS).map(lambda t: f"/{t[0]} {t[1]}".rstrip()),
    st.tuples(st.sampled_from(["press", "react"]), st.integers(0, 40), WORDS).map(lambda t: f"{t[0]} m{t[1]} {t[2]}"),
    st.integers(0, 40).map(lambda n: f"press m{n}"),
    ARGS.map(lambda a: f"[file setup.exe] {a}"),
)
META = st.one_of(
    st.tuples(NAMES, st.sampled_from(["Moderators", "Admins", "Partners", "Wizards", ""])).map(
        lambda t: f":role {t[0]} {t[1]}"),
    st.tuples(NAMES, st.text(max_size=40)).map(lambda t: f":name {t[0]} {t[1]}"),
    st.sampled_from(["+10s", "+11s", "+2h", "+1d", "soon", "-1h", "+0s", "+10 minutes", ""]).map(
        lambda d: f":time {d}"),
    st.sampled_from([":help", ":", ":what", ":role", ":name bob"]),
)
LINES = st.one_of(
    st.tuples(NAMES, BODIES).map(lambda t: f"{t[0]}: {t[1]}"),
    META,
    st.one_of(st.sampled_from(["general", "mod-log", "help", "new", "", "new channel", "Caps"]),
              st.text(max_size=30)).map(lambda t: f"#{t}"),
    NAMES.map(lambda n: f"+{n}"),
    NAMES.map(lambda n: f"-{n}"),
    st.text(max_size=60),
).map(lambda line: line.replace("\n", " ").replace("\r", " "))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Run, Session]]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(120)

    db: Path = tmp_path_factory.mktemp("fuzz") / "steward.db"

    async def make() -> Session:
        return await Session(f"sqlite+aiosqlite:///{db}").__aenter__()

    session = run(make())
    try:
        yield run, session
    finally:
        run(session.__aexit__())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def _silent(line: str) -> bool:
    """Lines the grammar answers with nothing: blanks and comments (and a continued message's parts)."""
    stripped = line.strip()
    return not stripped or stripped.startswith("//")


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lines=st.lists(LINES, min_size=1, max_size=6))
def test_random_lines_always_get_an_answer(live: tuple[Run, Session], lines: list[str]) -> None:
    run, session = live
    for line in lines:
        before = len(session.out)
        alive = run(session.adapter.feed(line))
        run(session.runtime.idle())
        printed = session.out[before:]
        if line.strip() == ":quit":
            assert alive is False
            continue
        assert alive, line
        if not _silent(line) and not session.adapter.typist.pending:
            assert printed, f"no answer to {line!r}"
        assert not any("broke something inside Steward" in p or "went wrong on Steward's side" in p
                       for p in printed), (line, printed)
    run(session.adapter.feed(""))  # finish any continued message before the next example
    run(session.runtime.idle())
