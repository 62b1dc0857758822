"""Feedback text to canonical tokens: folding, lemmas, typo repair, product synonyms and phrases.

The pipeline: NFKC + case folding + accent stripping, word tokens (any script), English lemmas
(simplemma, whose dictionaries ship in its wheel), repair of unknown words that sit one or two
edits from the product vocabulary ("moblie" -> "mobile"), single-word synonyms, multi-word
phrases ("dark theme" -> ``darkmode``), then filler words dropped ("please add").
Pure functions; the caches hold only derived data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import simplemma
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from cogs.feedback.vocabulary import CONTRAST_SETS, FILLER, PARENTS, PHRASES, SYNONYMS

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)
_MAX_TOKENS = 400  # a capture is a title and some details; past this, extra words add no signal
_LONGEST_PHRASE = max(len(p) for p in PHRASES)
_CONTRAST_TOKENS = frozenset().union(*CONTRAST_SETS)
_PHRASE_WORDS = frozenset(w for phrase in PHRASES for w in phrase)


@dataclass(frozen=True, slots=True)
class Canonical:
    """One text in canonical form: its topic tokens and the contrast tokens it names."""

    tokens: tuple[str, ...]
    contrasts: frozenset[str]

    @property
    def text(self) -> str:
        """The tokens joined by spaces (what rapidfuzz reads)."""
        return " ".join(self.tokens)


def fold(text: str) -> str:
    """Compatibility-fold, case-fold and strip accents ("Thème" -> "theme")."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[str, ...]:
    """Every word the synonym and phrase tables know: the targets of typo repair."""
    words = set(SYNONYMS) | set(SYNONYMS.values()) | {w for p in PHRASES for w in p}
    return tuple(sorted(w for w in words if len(w) >= 4 and w.isalpha()))


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """One folded word to its dictionary form: the word itself if the vocabulary knows it, else its
    English lemma, else (for an unknown word one or two edits from a vocabulary word) that word."""
    if word in SYNONYMS or word in FILLER or word in _PHRASE_WORDS:
        return word  # before lemmatising: "pls" is filler, its "lemma" "pl" is not
    found = simplemma.lemmatize(word, lang="en").casefold() if word.isascii() else word
    if found in SYNONYMS or found in _PHRASE_WORDS:
        return found
    if len(word) >= 4 and word.isascii() and word.isalpha() and not simplemma.is_known(word, lang="en"):
        # An unknown word near a vocabulary word is a typo of it; known words are never "repaired".
        allowed = 1 if len(word) <= 5 else 2
        near = process.extractOne(word, _vocabulary(), scorer=DamerauLevenshtein.distance, score_cutoff=allowed)
        if near is not None:
            return str(near[0])
    return found


def _words(folded: str) -> list[str]:
    """Word tokens; a hyphenated word stays whole when the vocabulary knows it ("e-mail")."""
    out: list[str] = []
    for raw in _WORD.findall(folded):
        if "-" not in raw:
            out.append(raw)
        elif raw in SYNONYMS or raw.replace("-", "") in SYNONYMS:
            out.append(raw.replace("-", ""))
        else:
            out.extend(raw.split("-"))
        if len(out) >= _MAX_TOKENS:
            break
    return out[:_MAX_TOKENS]


def _join_phrases(lemmas: list[str]) -> list[str]:
    """Phrases to their token (matched on lemmas, then on synonyms); other words to their synonym."""
    synonyms = [SYNONYMS.get(w, w) for w in lemmas]
    out: list[str] = []
    i = 0
    while i < len(lemmas):
        for size in range(min(_LONGEST_PHRASE, len(lemmas) - i), 0, -1):
            joined = PHRASES.get(tuple(lemmas[i:i + size])) or PHRASES.get(tuple(synonyms[i:i + size]))
            if joined is not None:
                out.append(joined)
                i += size
                break
        else:
            out.append(synonyms[i])
            i += 1
    return out


def canonical(text: str) -> Canonical:
    """The canonical form of one feedback text (any input; never raises)."""
    words = [lemma(w) for w in _words(fold(text))]
    tokens = tuple(w for w in _join_phrases(words) if w not in FILLER and (len(w) > 1 or w.isdigit()))
    named = {t for t in tokens if t in _CONTRAST_TOKENS}
    # A child names its parent too: "iOS" is on mobile, so it differs from "desktop" as "mobile" does.
    return Canonical(tokens, frozenset(named | {PARENTS[t] for t in named if t in PARENTS}))


def contrast_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """True when both texts name members of one contrast set and share none of them."""
    if not a or not b:
        return False
    return any((a & group) and (b & group) and not (a & b & group) for group in CONTRAST_SETS)
