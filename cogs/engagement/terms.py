"""Hot topics without I/O: the words and two-word phrases of a message, and which are trending.

Only counts leave here: the cog adds one per distinct term per message to a day's total and
never keeps the message. Trending means used in clearly more messages this window than usual
(the average of the windows before), smoothed so a term going from 0 to 1 is not news.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_TERM = 60
MAX_TERMS_PER_MESSAGE = 40
_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]{3,}")
_ASCII_WORD = re.compile(r"[a-z][a-z0-9_'-]*[a-z0-9]|[a-z]{3,}")  # _WORD on lower-case ASCII text, faster
_NOISE = re.compile(r"<[^>]*>|https?://\S+|www\.\S+|`[^`]*`|\S+@\S+\.\S+")
STOPWORDS = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few
for from further get got had hadn't has hasn't have haven't having he her here hers herself him himself his how
i if in into is isn't it it's its itself just let's like me more most much my myself no nor not now of off on
once only or other ought our ours ourselves out over own really same she should shouldn't so some such than
that that's the their theirs them themselves then there there's these they they're this those through to too
under until up very was wasn't we we're were weren't what what's when where which while who whom why will with
won't would wouldn't yes yet you you're your yours yourself yourselves im ive dont cant thats anyone someone
something thing things one two also lol yeah yep ok okay thanks thank hi hello hey please sure still even
well back going want know think see use used using make made way good new time day today people guys
""".split())
_ENDS = frozenset(".,!?;:)\"")  # a chunk's last character that is no part of a word, as _ASCII_WORD reads it


def _chunk_words(chunk: str) -> list[str]:
    """``_ASCII_WORD.findall(chunk)`` for one lower-case ASCII chunk of text between white space.

    A chunk of two or more letters is one word as it stands, or with one trailing mark cut ("fixed."
    "why?"); only the rest (digits, quotes, hyphens, several words in one chunk) goes to the pattern.
    """
    if chunk.isalpha():
        return [chunk] if len(chunk) > 1 else []
    if chunk[-1] in _ENDS and chunk[:-1].isalpha():
        return [chunk[:-1]] if len(chunk) > 2 else []
    return _ASCII_WORD.findall(chunk)


def _ascii_words(body: str) -> list[str]:
    """``_ASCII_WORD.findall(body)`` for lower-case ASCII text: no word spans white space, so the words of
    the text are those of its chunks in order (the pattern on every message whole cost about half of
    :func:`terms`)."""
    out: list[str] = []
    for chunk in body.split():
        out += _chunk_words(chunk)
    return out


_CHUNKS: dict[str, str | tuple[str, ...]] = {}  # chunk of folded text -> what it adds, see _chunk_terms
_KEEP_CHUNKS = 20_000  # chat's words repeat: the common ones stay; noise makes the table start over, not grow


def _chunk_terms(chunk: str) -> str | tuple[str, ...]:
    """What a chunk adds to a message's terms, remembered, so a chunk seen before costs one look-up: its
    word (most chunks) or its words in order (none, or several), each as itself where it is a term, else
    as "" (it parts the words either side: no phrase spans it). No word of either pattern holds white
    space, so a text's words are its chunks' words in order."""
    found_words = _chunk_words(chunk) if chunk.isascii() else _WORD.findall(chunk)
    words = [w if 3 <= len(w) <= MAX_TERM and w not in STOPWORDS else "" for w in found_words]
    found: str | tuple[str, ...] = words[0] if len(words) == 1 else tuple(words)
    if len(_CHUNKS) >= _KEEP_CHUNKS:
        _CHUNKS.clear()
    _CHUNKS[chunk] = found
    return found


def _chunked_terms(body: str) -> set[str]:
    """:func:`terms` of folded text without its noise: each chunk's part from the table."""
    out: set[str] = set()
    add, get = out.add, _CHUNKS.get
    previous = ""
    for chunk in body.split():
        found = get(chunk)
        if found is None:
            found = _chunk_terms(chunk)
        if type(found) is str:
            if found:
                add(found)
                if previous:
                    add(previous + " " + found)
                if len(out) >= MAX_TERMS_PER_MESSAGE:
                    break
            previous = found
            continue
        for word in found:
            if word:
                add(word)
                if previous:
                    add(previous + " " + word)
                if len(out) >= MAX_TERMS_PER_MESSAGE:
                    return out
            previous = word
    return out


def terms(text: str) -> set[str]:
    """The distinct words (3+ letters, no stop words) and adjacent two-word phrases of a message."""
    # ASCII text (most chat) is its own NFKC form and casefolds as lower(); the noise pattern only
    # runs where one of its pieces could be. A word _WORD finds starts with a letter and ends with a
    # letter or digit, so it has no quote or hyphen to strip.
    ascii = text.isascii()
    body = text.lower() if ascii else unicodedata.normalize("NFKC", text).casefold()
    if "<" in body or "`" in body or "@" in body or "http" in body or "www." in body:
        body = _NOISE.sub(" ", body)
    return _chunked_terms(body)


class DayCounts:
    """Messages per term per local day, in memory until written. A message's terms wait in one flat list
    (no set kept per message: nothing for the garbage collector to walk) and go into their day's counter a
    few hundred messages at a time, one update rather than one per message, except where the day's
    distinct terms could pass ``cap``: past it, only terms the day already has are counted."""

    FOLD = 256  # messages whose terms wait before they are added

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._days: dict[str, Counter[str]] = {}
        self._waiting: list[str] = []
        self._ends: list[int] = []  # where each waiting message's terms end in _waiting
        self._into: Counter[str] | None = None  # the waiting terms' day

    def __bool__(self) -> bool:
        """Whether a message was counted since the last :meth:`take`."""
        return bool(self._days)

    def add(self, day: str, found: Iterable[str]) -> None:
        """One message's distinct terms, on ``day``."""
        counter = self._days.get(day)
        if counter is None or counter is not self._into:  # the first message of a day, or back to one
            self._fold()
            if counter is None:
                counter = self._days[day] = Counter()
            self._into = counter
        waiting, ends = self._waiting, self._ends
        waiting.extend(found)
        ends.append(len(waiting))
        if len(ends) >= self.FOLD:
            self._fold()

    def _fold(self) -> None:
        waiting, ends, counter = self._waiting, self._ends, self._into
        if not ends or counter is None:
            return
        self._waiting, self._ends = [], []
        if len(counter) + len(waiting) <= self.cap:  # the cap can't be reached on the way
            counter.update(waiting)
            return
        start = 0
        for end in ends:  # as one message at a time
            found = waiting[start:end]
            start = end
            if len(counter) > self.cap:
                found = [t for t in found if t in counter]
            counter.update(found)

    def take(self) -> dict[str, Counter[str]]:
        """Every day's counts so far, and start again."""
        self._fold()
        days, self._days, self._into = self._days, {}, None
        return days


@dataclass(frozen=True)
class Trend:
    """A trending term: messages using it this window and in an average window before."""

    term: str
    count: int
    usual: float

    @property
    def lift(self) -> float:
        """How many times its usual level (smoothed)."""
        return (self.count + 1) / (self.usual + 1)


def trending(current: Mapping[str, int], before: Iterable[Mapping[str, int]], *, windows: int, top: int = 10,
             min_count: int = 3, min_lift: float = 2.0) -> list[Trend]:
    """The terms used in at least ``min_count`` messages and ``min_lift`` times their usual level.

    A phrase that trends hides its words when they trend only through it (their count is close
    to the phrase's), so "dark mode" is listed once, not three times.
    """
    usual: Counter[str] = Counter()
    for window in before:
        usual.update(window)
    found = [Trend(t, n, usual[t] / max(windows, 1)) for t, n in current.items() if n >= min_count]
    found = [t for t in found if t.lift >= min_lift]
    phrases = {t.term: t for t in found if " " in t.term}
    hidden: set[str] = set()
    for phrase in phrases.values():
        for word in phrase.term.split(" "):
            if current.get(word, 0) <= phrase.count * 1.25:
                hidden.add(word)
    ranked = sorted((t for t in found if t.term not in hidden),
                    key=lambda t: (-t.lift, -t.count, t.term))
    return ranked[:top]
