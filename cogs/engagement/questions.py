"""Whether a message reads as a question, without I/O (a heuristic tuned on help-channel messages)."""

from __future__ import annotations

import re
import unicodedata

_ASKING = re.compile(
    r"^(how|what|why|when|where|who|whom|whose|which|can|could|would|should|shall|will|won't|does|do|did|"
    r"is|are|was|were|has|have|had|isn't|aren't|doesn't|don't|didn't|may|might|any ?one|any ?body|any idea|"
    r"is there|are there|help|wie|was|warum|wo|kann|comment|pourquoi|est-ce|qué|cómo|dónde|por qué)\b",
    re.IGNORECASE)
_NOISE = re.compile(r"<[^>]*>|https?://\S+|`[^`]*`|[\U0001F000-\U0001FFFF\u2600-\u27BF]")
_QUOTED = re.compile(r"^\s*>.*$", re.MULTILINE)
MIN_WORDS = 3


_WORDS = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def is_question(text: str) -> bool:
    """A question: it ends in a question mark, or starts like one, and is more than a word or two."""
    if text.isascii():  # most chat: its own NFKC form, and a pattern runs only where its pieces could be
        body = _QUOTED.sub(" ", text) if ">" in text else text
        if "<" in body or "`" in body or "http" in body:
            body = _NOISE.sub(" ", body)
    else:
        body = _NOISE.sub(" ", _QUOTED.sub(" ", unicodedata.normalize("NFKC", text)))
    body = body.strip()
    asks = body.rstrip(" .!)\"'").endswith(("?", "？", "¿")) or "?" in body[-80:]
    # the first line's start is the body's (it is stripped), and no asking word spans a line break
    if not asks and not _ASKING.match(body):
        return False  # most messages end here, before their words are counted
    # "what?", "huh?", "any news?" are reactions, not questions for the helpers: words are counted only
    # as far as the least a question needs (a help message runs to tens of words)
    need, words = (MIN_WORDS if asks else MIN_WORDS + 1), 0
    for _word in _WORDS.finditer(body):
        words += 1
        if words >= need:
            return True
    return False
