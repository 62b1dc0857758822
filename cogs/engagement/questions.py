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


def is_question(text: str) -> bool:
    """A question: it ends in a question mark, or starts like one, and is more than a word or two."""
    body = _QUOTED.sub(" ", unicodedata.normalize("NFKC", text))
    body = _NOISE.sub(" ", body).strip()
    words = re.findall(r"[^\W_]+(?:'[^\W_]+)?", body)
    if len(words) < MIN_WORDS:
        return False  # "what?", "huh?", "any news?" are reactions, not questions for the helpers
    stripped = body.rstrip(" .!)\"'")
    if stripped.endswith(("?", "？", "¿")) or "?" in body[-80:]:
        return True
    first_line = body.splitlines()[0] if body else ""
    return bool(_ASKING.match(first_line.strip())) and len(words) >= MIN_WORDS + 1
