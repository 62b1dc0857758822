"""Whatever is typed as a code, and whatever the settings say, the answer is clear."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config.errors import ConfigError
from bot.config.loader import load_config_text
from bot.testing import Harness, texts
from cogs.identity import COG, codes
from cogs.identity.settings import IdentitySettings
from tests.cogs.identity.conftest import CONFIG, NotesCog


@given(st.text(max_size=40))
def test_normalise_takes_any_text_and_accepts_only_codes(typed: str) -> None:
    found = codes.normalise(typed)
    assert found is None or (len(found) == codes.LENGTH and set(found) <= set(codes.ALPHABET))


@given(st.integers(0, 1000))
def test_every_new_code_reads_back_in_any_case(_: int) -> None:
    code = codes.new_code()
    assert codes.normalise(code) == codes.normalise(code.lower()) == codes.normalise(code.replace("-", " "))
    assert codes.normalise(code) is not None


@settings(max_examples=30, deadline=None)
@given(st.text(min_size=1, max_size=80).filter(lambda t: t.strip()))
def test_any_text_after_link_gets_one_clear_answer(tmp_path_factory: pytest.TempPathFactory, typed: str) -> None:
    async def run() -> None:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('i') / 'i.db'}"
        h = await Harness.start(CONFIG, db_url=url, cogs={"identity": COG, "notes": NotesCog},
                                platforms=("discord", "slack"))
        try:
            answers = texts(await h.command("eve", "/link " + typed, platform="slack"))
            assert len(answers) == 1
            assert any(w in answers[0] for w in ("isn't a link code", "That code is wrong", "/link:"))
            assert "went wrong" not in answers[0]
        finally:
            await h.close()
    asyncio.run(run())


@pytest.mark.parametrize(("section", "message"), [
    ("{code_lifetime: 2h}", "between 1m and 1h"),
    ("{wrong_codes: 0}", "greater than or equal to 1"),
    ("{wrong_window: 10}", "has no unit"),
    ("{codes: 3}", "codes"),
])
def test_bad_settings_name_the_key(section: str, message: str) -> None:
    text = f"communities:\n  - name: acme\n    identity: {section}\n"
    with pytest.raises(ConfigError) as raised:
        load_config_text(text, cogs={"identity": IdentitySettings}, env={})
    assert message in str(raised.value) and "identity" in str(raised.value)
