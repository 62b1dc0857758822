"""Text normalisation before matching: one canonical, lower-case, ASCII-leaning form.

Steps: compatibility decomposition (NFKD: full-width and mathematical letters, ligatures),
case folding, removal of format characters (zero-width, bidi) and combining marks (zalgo,
accents), look-alike folding from Unicode's confusables data, a leetspeak map, removal of
markdown and spoiler markers, and joining of spaced or dotted single letters
(``c a s i n o`` -> ``casino``). Plain-ASCII text takes a byte-table fast path.
Pure functions; the tables are built once per process on first use.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from functools import lru_cache
from importlib import resources

# Leetspeak: only characters that stand inside words. `!` and `|` are left alone because
# they usually end or decorate a word ("casino!"), and mapping them would hide the word.
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "@": "a", "$": "s"}
# Look-alikes confusables.txt has only as capitals: Cyrillic, Greek and Armenian lower case.
SMALL_CAPS = {"т": "t", "м": "m", "н": "h", "в": "b", "к": "k", "п": "n", "ш": "w",
              "κ": "k", "τ": "t", "χ": "x", "ω": "w", "η": "n", "ε": "e", "β": "b", "Լ": "l"}
# Markdown / Slack mrkdwn / spoiler markers: removed so "c**a**sino" and "||casino||" read as words.
MARKUP = "*_~`|"
# Separators a spammer puts between letters; runs of 3+ single letters joined by these are merged.
_SPACED = re.compile(rb"(?<![a-z0-9])(?:[a-z0-9][.,\-/\\+'\":;\s]{1,3}){2,}[a-z0-9](?![a-z0-9])")
_SEPARATORS = re.compile(rb"[.,\-/\\+'\":;\s]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _ascii_table() -> tuple[bytes, bytes]:
    table = bytearray(range(256))
    for c in range(ord("A"), ord("Z") + 1):
        table[c] = c + 32
    for src, dst in LEET.items():
        table[ord(src)] = ord(dst)
    return bytes(table), MARKUP.encode()


_ASCII_TABLE, _ASCII_DELETE = _ascii_table()


def _confusables_data() -> dict[str, list[dict[str, str]]]:
    """Unicode's confusables (UTS #39) as shipped by the confusable-homoglyphs package."""
    data = resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    loaded: dict[str, list[dict[str, str]]] = json.loads(data)
    return loaded


def _fold_target(ch: str) -> str | None:
    """The ASCII letter or digit a character stands for, after leet folding, or None."""
    if len(ch) == 1 and ch.isascii() and ch.isalnum():
        low = ch.lower()
        return LEET.get(low, low)
    return None


@lru_cache(maxsize=1)
def unicode_table() -> dict[int, str | None]:
    """The translation table of the non-ASCII path (built once, ~0.3 s)."""
    table: dict[int, str | None] = {}
    # Look-alikes: a non-ASCII character confusable with an ASCII letter folds to that letter.
    for key, glyphs in _confusables_data().items():
        if len(key) != 1:
            continue
        target = _fold_target(key)
        if target is not None:
            for g in glyphs:
                c = g["c"]
                if len(c) == 1 and not c.isascii():
                    # letters win over digits when a glyph looks like both (o / 0)
                    if ord(c) not in table or (target.isalpha() and not (table[ord(c)] or "").isalpha()):
                        table[ord(c)] = target
        elif not key.isascii():
            for g in glyphs:
                t = _fold_target(g["c"])
                if t is not None and (ord(key) not in table or t.isalpha()):
                    table[ord(key)] = t
                    if t.isalpha():
                        break
    # Invisible and combining characters vanish (zero-width, bidi controls, zalgo marks).
    for cp in range(0x80, sys.maxunicode + 1):
        if unicodedata.category(chr(cp)) in ("Mn", "Me", "Cf"):
            table[cp] = None
    for i in range(128):
        ch = chr(i)
        low = ch.lower()
        if ch in MARKUP:
            table[i] = None
        elif low in LEET:
            table[i] = LEET[low]
        elif low != ch:
            table[i] = low
    # A few symbols people use as letters that confusables.txt leaves out.
    for src, dst in {"€": "e", "£": "l", "¥": "y", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "ħ": "h"}.items():
        table[ord(src)] = dst
    # Lower-case letters of other scripts that read as Latin small capitals or italics
    # (confusables.txt lists only their capitals): a word typed wholly in them ("іԁіот", "κуѕ")
    # must fold as its mixed-script spelling does.
    for src, dst in SMALL_CAPS.items():
        table[ord(src)] = dst
    # Capitals fold as their lower case does where only that is listed (fold() maps before case folding).
    for cp in range(0x80, sys.maxunicode + 1):
        if cp not in table:
            lower = chr(cp).casefold()
            if len(lower) == 1 and lower != chr(cp) and ord(lower) in table:
                table[cp] = table[ord(lower)]
    # Enclosed letters NFKD leaves alone: negative circled and squared (🅲🅰🆂), regional indicators.
    for first in (0x1F150, 0x1F170, 0x1F1E6):
        for i in range(26):
            table[first + i] = chr(ord("a") + i)
    return table


def _join_spaced(match: re.Match[bytes]) -> bytes:
    return _SEPARATORS.sub(b"", match.group(0))


def fold(text: str) -> bytes:
    """Every step but the joining of spaced letters, as UTF-8 (what RE2 scans without re-encoding)."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_TABLE, _ASCII_DELETE)
    table = unicode_table()

    def look_alikes(m: re.Match[str]) -> str:
        return m.group(0).translate(table)

    # look-alikes fold before case folding: "ՏСАМ" reads as SCAM in capitals, and its lower case
    # (տсам) is a less Latin-looking word; the table also holds every capital whose lower case
    # is a look-alike, so one pass does both
    folded = _NON_ASCII.sub(look_alikes, unicodedata.normalize("NFKD", text)).casefold()
    # UTF-8 keeps every non-ASCII character in bytes >= 0x80, so the ASCII byte table
    # (lower case, leet, markup) can run over it without touching them.
    return folded.encode("utf-8").translate(_ASCII_TABLE, _ASCII_DELETE)


def join_spaced(folded: bytes) -> bytes:
    """Merge runs of three or more single letters split by separators: ``c.a.s.i.n.o``."""
    return _SPACED.sub(_join_spaced, folded)


def has_spaced(folded: bytes) -> bool:
    """Whether :func:`join_spaced` would change anything (the matcher asks RE2 instead)."""
    return _SPACED.search(folded) is not None


def normalise(text: str) -> str:
    """The canonical form rules match against, as text."""
    return join_spaced(fold(text)).decode("utf-8")


# What RE2 looks for to decide a message needs :func:`join_spaced` (cheaper there than in `re`).
# RE2's \s leaves out the vertical tab that Python's takes, so it is named (``c\va\vs\vi\vn\vo``).
_HINT_SEP = r"[.,\-/\\+'\":;\s\x0b]{1,3}"
SPACED_HINT = rf"(?:^|[^a-z0-9])[a-z0-9]{_HINT_SEP}[a-z0-9]{_HINT_SEP}[a-z0-9](?:[^a-z0-9]|$)"


def warm() -> None:
    """Build the tables now (at settings load) rather than on the first message."""
    unicode_table()
