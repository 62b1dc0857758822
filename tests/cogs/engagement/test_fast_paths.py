"""The watchers' fast paths (ASCII text, patterns skipped where their pieces can't be) give exactly what the
plain versions give: each plain version is kept here as the reference, and any text is compared."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cogs.engagement import terms as terms_module
from cogs.engagement.questions import _ASKING, _NOISE, _QUOTED, MIN_WORDS, is_question
from cogs.engagement.terms import (
    _ASCII_WORD,
    _WORD,
    MAX_TERM,
    MAX_TERMS_PER_MESSAGE,
    STOPWORDS,
    DayCounts,
    _ascii_words,
    terms,
)
from cogs.engagement.terms import _NOISE as _TERM_NOISE


def plain_is_question(text: str) -> bool:
    body = _QUOTED.sub(" ", unicodedata.normalize("NFKC", text))
    body = _NOISE.sub(" ", body).strip()
    words = re.findall(r"[^\W_]+(?:'[^\W_]+)?", body)
    if len(words) < MIN_WORDS:
        return False
    stripped = body.rstrip(" .!)\"'")
    if stripped.endswith(("?", "？", "¿")) or "?" in body[-80:]:
        return True
    first_line = body.splitlines()[0] if body else ""
    return bool(_ASKING.match(first_line.strip())) and len(words) >= MIN_WORDS + 1


def plain_terms(text: str) -> set[str]:
    body = _TERM_NOISE.sub(" ", unicodedata.normalize("NFKC", text).casefold())
    words = [w.strip("'’-") for w in _WORD.findall(body)]
    out: set[str] = set()
    previous = ""
    for word in words:
        if len(word) < 3 or len(word) > MAX_TERM or word in STOPWORDS:
            previous = ""
            continue
        out.add(word)
        if previous:
            out.add(f"{previous} {word}")
        previous = word
        if len(out) >= MAX_TERMS_PER_MESSAGE:
            break
    return out


PIECES = st.sampled_from(["how", "What", "any one", "is there", "can", "the", "deploy", "Café", "naïve", "?", "？",
                          "¿", "!", ".", " ", "\n", "\r\n", "\x1c", "> ", "<@123>", "`code`", "https://x.io/a?b",
                          "www.x.io", "a@b.co", "don't", "it’s", "x_y", "A-B", "42", "ﬁle", "Ⅻ", "😀", "\u2028",
                          "\t", "'", '"', ")", "_", "-", "does", "wie", "por qué"])
TEXTS = st.one_of(st.text(max_size=120), st.lists(PIECES, max_size=25).map("".join))


@settings(max_examples=400, deadline=None)
@given(TEXTS)
@example("any\none two three")
@example("how\x1c are you there")
@example("> how do I?\nfine then ok")
def test_is_question_is_the_plain_check(text: str) -> None:
    assert is_question(text) == plain_is_question(text)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
@example("Deploy-it's the Staging_server's LOGS www.x.io a@b.co <#1> `x`")
def test_terms_are_the_plain_terms(text: str) -> None:
    assert terms(text) == plain_terms(text)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet="abcxyz AB09_'-.,!?;:()\"<>@`/\t\n\x1c", max_size=40))
@example("why? fixed. it's a-b 12ab ab-- x. ab_cd,ef")
def test_ascii_words_are_the_pattern_words(text: str) -> None:
    body = text.lower()
    assert _ascii_words(body) == _ASCII_WORD.findall(body)


ASCII_PIECES = st.sampled_from(["deploy", "Dark", "mode", "the", "a", "it's", "don't", "x", "ab", "fixed.", "why?",
                                "A-B", "x_y", "42", "12ab", "ab--", "'", "-", ",", "<@1>", "`x`", "a@b.co", " ",
                                "\n", "\t", "x" * 61, "release-notes", "ok", "foo,bar", "(pizza)", "dark-mode!"])
ASCII_TEXTS = st.lists(ASCII_PIECES, max_size=60).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(ASCII_TEXTS, TEXTS), min_size=1, max_size=8), st.integers(1, 40))
@example(["Café\u2028naïve\x1cdeploy it’s\u3000Ⅻ ﬁle-fix dark mode", "café deploy naïve"], 40)
@example(["the deploy\u00a0failed ДЕПЛОЙ упал", "deploy failed"], 3)
def test_remembered_chunks_give_the_plain_terms(texts: list[str], keep: int) -> None:
    """Each chunk's part comes from a table filled as chat goes by (and started over when full): a chunk
    seen before, in any message, gives what the pattern gives, up to the per-message limit."""
    saved = terms_module._KEEP_CHUNKS
    terms_module._KEEP_CHUNKS = keep
    terms_module._CHUNKS.clear()
    try:
        for text in texts + texts:
            assert terms(text) == plain_terms(text)
        assert len(terms_module._CHUNKS) <= keep
    finally:
        terms_module._KEEP_CHUNKS = saved
        terms_module._CHUNKS.clear()


def plain_day_counts(messages: list[tuple[str, set[str]]], cap: int) -> dict[str, Counter[str]]:
    days: dict[str, Counter[str]] = {}
    for day, found in messages:
        counter = days.setdefault(day, Counter())
        if len(counter) > cap:
            found = {t for t in found if t in counter}
        counter.update(found)
    return days


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["2026-01-05", "2026-01-06", "2026-01-07"]),
                          st.sets(st.sampled_from([f"t{i}" for i in range(30)]), max_size=8)), max_size=120),
       st.integers(0, 40), st.integers(1, 20), st.lists(st.integers(0, 120), max_size=3))
def test_day_counts_in_bulk_are_the_counts_message_by_message(messages: list[tuple[str, set[str]]], cap: int,
                                                              fold: int, takes: list[int]) -> None:
    """Terms wait and go into their day's counter in bulk: the counts are those of adding each message as it
    comes, with the cap on a day's distinct terms, whenever the counts are taken."""
    counts = DayCounts(cap)
    counts.FOLD = fold
    taken: list[dict[str, Counter[str]]] = []
    start = 0
    for i, (day, found) in enumerate(messages):
        if i in takes:
            taken.append(counts.take())
            assert taken[-1] == plain_day_counts(messages[start:i], cap)
            assert not counts
            start = i
        counts.add(day, set(found))
        assert counts
    assert counts.take() == plain_day_counts(messages[start:], cap)
