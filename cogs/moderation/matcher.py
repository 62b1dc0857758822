"""All word and regex rules of a community compiled into one RE2 set.

The fast path (:meth:`Engine.scan`) is one ``RE2::Set`` match over the normalised UTF-8
bytes, so its cost does not grow with the number of words. Only when something matched does
the slow path run: per-rule RE2 searches that find the matched term and honour allow-lists.
RE2 runs in linear time, so a hostile pattern such as ``(a+)+$`` cannot stall the loop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import re2

from cogs.moderation.normalise import SPACED_HINT, fold, join_spaced, normalise

_MAX_MEM = 256 << 20  # RE2's DFA budget for a set of ~10k words
_LETTER = r"[\pL\pN]"
_NOT_LETTER = r"[^\pL\pN]"
_JOINER = r"[\s\-_.]*"
# what separates the words of a list entry once normalised: anything but letters, digits and `*`
_ENTRY_SPLIT = re.compile(r"[^\w*]+|_+")


def _options(*, case_sensitive: bool = False, spans_only: bool = False) -> Any:
    options = re2.Options()
    options.max_mem = _MAX_MEM
    options.log_errors = False
    options.case_sensitive = case_sensitive
    # Only whole-match spans are ever read back: without capture groups RE2 finds them with its
    # DFA, ~100× faster on hostile patterns such as (.*a){12} than the submatch engines.
    options.never_capture = spans_only
    return options


def _error_text(exc: Exception) -> str:
    msg = exc.args[0] if exc.args else str(exc)
    return msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg)


# Everyday messages, normalised as the matcher sees them: a rule matching most of them is a mistake.
_ORDINARY = ("hello", "thanks, see you tomorrow", "ok", "lol", "good morning everyone", "what time is the meetup",
             "i agree", "nice work on the release", "ha", "can someone help me with my setup", "yes", "👍",
             "brb", "welcome", "the docs are here", "see the pinned message")


def check_regex(pattern: str) -> str:
    """Validate an admin regex for RE2; ValueError says what is unsupported."""
    if not pattern.strip():
        raise ValueError("an empty regex would match every message")
    try:
        compiled = re2.compile(pattern, options=_options())
    except Exception as exc:  # re2.error; the message names the construct (backreference, lookaround)
        raise ValueError(f"not a valid RE2 regex ({_error_text(exc)}); RE2 has no backreferences or "
                         "lookarounds, which is what keeps matching linear-time") from None
    if compiled.search("") is not None:
        raise ValueError(f"`{pattern}` matches empty text, so it would flag every message")
    hits = sum(1 for probe in _ORDINARY if compiled.search(probe) is not None)
    if hits * 2 > len(_ORDINARY):  # `\b`, `\C`, `.`, `[a-z]`: it would flag ordinary chat
        raise ValueError(f"`{pattern}` matches {hits} of {len(_ORDINARY)} ordinary messages "
                         "(such as “thanks, see you tomorrow”), so it would flag nearly every message")
    return pattern


def _letters(piece: str) -> str:
    # `1` reads as i or l and the normaliser can only pick one (i), so an entry's i and l each
    # accept both: "h311" and "1053r" meet "hell" and "loser" without a second scan of the text
    return "".join("[il]" if c in "il" else re2.escape(c) for c in piece)


def word_pattern(word: str, *, edges: bool = False) -> str | None:
    """A whole-word RE2 pattern for a list entry: ``*`` is a wildcard, spaces make phrases.

    The entry is normalised as text is, and its words may be written apart or together
    (``bitcoin-doubler`` also meets ``b.i.t.c.o.i.n-d.o.u.b.l.e.r``, which the normaliser joins).
    ``edges`` makes the entry match at the start or the end of a longer word too (names:
    ``moderator123``, ``Steward_Support``) but not inside one (``badminton`` is not ``admin``).
    """
    # `*` is also a markdown marker the normaliser drops, so normalise around it
    norm = "*".join(normalise(part) for part in word.strip().split("*")).strip()
    chunks = [c for c in _ENTRY_SPLIT.split(norm) if c.replace("*", "")]
    if not chunks:
        return None
    pieces = [(_LETTER + "*").join(_letters(p) for p in chunk.split("*")) for chunk in chunks]
    # the words of an entry may be joined by spaces, hyphens, underscores or dots, or written together
    # ("free nitro" meets "free-nitro" and "f r e e n i t r o"), but not split by a comma or a
    # sentence ("free, nitro is not free" is ordinary chat)
    body = _JOINER.join(pieces)
    first, last = chunks[0][0], chunks[-1][-1]
    lead = "" if first == "*" else (r"\b" if first.isascii() and first.isalnum() else f"(?:^|{_NOT_LETTER})")
    tail = "" if last == "*" else (r"\b" if last.isascii() and last.isalnum() else f"(?:{_NOT_LETTER}|$)")
    if edges and lead and tail:
        return f"(?:{lead}{body}|{body}{tail})"
    return lead + body + tail


def entry_label(word: str) -> str | None:
    """What a hit on a plain list entry reports (the entry, not its folded spelling); None for wildcards."""
    label = " ".join(word.split())
    return None if "*" in label or not label else label


@dataclass(frozen=True, slots=True)
class TextRule:
    """The text part of one rule, as the engine needs it."""

    index: int
    words: tuple[str, ...] = ()
    regexes: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    raw: bool = False
    edges: bool = False  # words also match at the start or end of a longer word (display names)


@dataclass(frozen=True, slots=True)
class TextHit:
    """A rule whose words or regexes matched, with the (normalised) term as evidence."""

    rule: int
    term: str


@dataclass
class Engine:
    """The compiled matcher of one settings object (rebuilt on reload with the settings)."""

    rules: tuple[TextRule, ...] = ()
    pattern_count: int = 0
    _set: Any = None
    _raw_set: Any = None
    _patterns: list[str] = field(default_factory=list)
    _labels: list[str | None] = field(default_factory=list)
    _owners: list[int] = field(default_factory=list)
    _raw_patterns: list[str] = field(default_factory=list)
    _raw_owners: list[int] = field(default_factory=list)
    _hint: int = -1
    _compiled: dict[tuple[bool, int], Any] = field(default_factory=dict)
    _allow: dict[int, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Whether there is nothing to match."""
        return self._set is None and self._raw_set is None

    def scan_folded(self, folded: bytes) -> set[int]:
        """Candidate rule indices for already-folded text (the hot path; no allow-lists)."""
        if self._set is None:
            return set()
        ids = self._set.Match(folded)
        if not ids:
            return set()
        owners = self._owners
        found = {owners[i] for i in ids if i != self._hint}
        if self._hint in ids:
            found.update(owners[j] for j in self._set.Match(join_spaced(folded)) or () if j != self._hint)
        return found

    def scan(self, text: str) -> set[int]:
        """Candidate rule indices: normalise and match once."""
        found = self.scan_folded(fold(text)) if self._set is not None else set()
        if self._raw_set is not None:
            found.update(self._raw_owners[i] for i in self._raw_set.Match(text) or ())
        return found

    def match(self, text: str) -> list[TextHit]:
        """Rules that really match (allow-lists applied), each with the term it matched.

        Only the patterns the set reported are searched again, one small regex each, so a
        hit costs about as little as a miss whatever the size of the word list.
        """
        return self.match_with_text(text)[0]

    def match_with_text(self, text: str) -> tuple[list[TextHit], str]:
        """:meth:`match`, and the normalised text it matched (what :func:`normalise` gives), so a
        caller that needs both (repeat counting) does not normalise twice."""
        tried: list[tuple[bool, int, bytes]] = []
        normalised: bytes | None = None
        if self._set is not None:
            folded = normalised = fold(text)
            ids = self._set.Match(folded)
            if ids:
                tried.extend((False, i, folded) for i in ids if i != self._hint)
                if self._hint in ids:
                    joined = normalised = join_spaced(folded)
                    tried.extend((False, i, joined) for i in self._set.Match(joined) or () if i != self._hint)
        plain = normalise(text) if normalised is None else normalised.decode("utf-8")
        if self._raw_set is not None:
            raw = text.encode("utf-8")
            tried.extend((True, i, raw) for i in self._raw_set.Match(raw) or ())
        if not tried:
            return [], plain
        hits: dict[int, str] = {}
        for raw_side, index, subject in tried:
            owner = (self._raw_owners if raw_side else self._owners)[index]
            if owner in hits:
                continue
            term = self._unallowed(raw_side, index, owner, subject)
            if term is not None:
                hits[owner] = term
        return [TextHit(rule, term) for rule, term in sorted(hits.items())], plain

    def _unallowed(self, raw_side: bool, index: int, owner: int, subject: bytes) -> str | None:
        key = (raw_side, index)
        regex = self._compiled.get(key)
        if regex is None:
            pattern = (self._raw_patterns if raw_side else self._patterns)[index]
            regex = self._compiled[key] = re2.compile(pattern, options=_options(spans_only=True))
        allow = self._allow_regex(owner)
        allowed = [m.span() for m in allow.finditer(subject)] if allow is not None else []
        for m in regex.finditer(subject):
            start, end = m.span()
            if not any(a <= start and end <= b for a, b in allowed):
                label = None if raw_side else self._labels[index]
                return label or bytes(m.group(0)).decode("utf-8", "replace").strip()
        return None

    def _allow_regex(self, owner: int) -> Any | None:
        if owner not in self._allow:
            rule = next(r for r in self.rules if r.index == owner)
            self._allow[owner] = _alternation([p for w in rule.allow if (p := word_pattern(w))])
        return self._allow[owner]


def _alternation(patterns: list[str]) -> Any | None:
    if not patterns:
        return None
    return re2.compile("|".join(f"(?:{p})" for p in patterns), options=_options(spans_only=True))


def _compile(patterns: list[tuple[str, int]]) -> tuple[Any, list[int]]:
    rset = re2.Set.SearchSet(_options())
    owners: list[int] = []
    for pattern, owner in patterns:
        try:
            rset.Add(pattern)
        except Exception as exc:
            raise ValueError(f"can't compile `{pattern}`: {_error_text(exc)}") from None
        owners.append(owner)
    try:
        rset.Compile()
    except Exception as exc:
        raise ValueError(f"the rules don't fit RE2's memory budget: {_error_text(exc)}") from None
    return rset, owners


def build_engine(rules: Sequence[TextRule]) -> Engine:
    """Compile every word and regex of these rules into one set (and one for raw regexes)."""
    normal: list[tuple[str, int]] = []
    labels: list[str | None] = []
    raw: list[tuple[str, int]] = []
    for rule in rules:
        for word in rule.words:
            if (pattern := word_pattern(word, edges=rule.edges)) is not None:
                normal.append((pattern, rule.index))
                labels.append(entry_label(word))
        if rule.raw:
            raw.extend((r, rule.index) for r in rule.regexes)
        else:
            normal.extend((r, rule.index) for r in rule.regexes)
            labels.extend(None for _ in rule.regexes)
    engine = Engine(rules=tuple(rules), pattern_count=len(normal) + len(raw))
    if normal:
        normal.append((SPACED_HINT, -1))
        engine._set, engine._owners = _compile(normal)
        engine._patterns = [p for p, _ in normal]
        engine._labels = [*labels, None]
        engine._hint = len(normal) - 1
    if raw:
        engine._raw_set, engine._raw_owners = _compile(raw)
        engine._raw_patterns = [p for p, _ in raw]
    return engine
