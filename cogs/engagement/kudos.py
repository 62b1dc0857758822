"""Kudos without I/O: noticing a thank-you aimed at someone, and the leaderboard's order."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

_THANKS = re.compile(
    r"(?<![\w])(thanks|thank\s+you|thank\s+u|thx|thnx|ty|tysm|cheers|kudos|props|shout\s*-?\s*out|"
    r"danke|merci|gracias|obrigad[oa]|grazie)(?![\w])", re.IGNORECASE)
_NEGATED = re.compile(r"(?<![\w])(no|not|without)\s+(thanks|thank)", re.IGNORECASE)
MAX_REASON = 300


def thanks_someone(text: str, mentioned: int) -> bool:
    """Whether a message that mentions ``mentioned`` members reads as thanking them."""
    if mentioned == 0:
        return False
    body = unicodedata.normalize("NFKC", text)
    return bool(_THANKS.search(body)) and not _NEGATED.search(body)


def reason_of(text: str | None) -> str:
    """What /kudos is for: the text after an optional leading ``for``, trimmed to the limit."""
    reason = (text or "").strip()
    reason = re.sub(r"^for\s+", "", reason, flags=re.IGNORECASE).strip()
    return reason[:MAX_REASON]


def leaderboard(receivers: Iterable[int], top: int = 10) -> list[tuple[int, int]]:
    """(person, kudos) most first; ties by the person who reached the count first is not known, so by id."""
    counted = Counter(receivers)
    return sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
