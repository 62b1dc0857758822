"""Link codes: short, typed by hand, compared only as hashes (pure: no I/O).

A code is six letters and digits from an alphabet without look-alikes (no 0/O, 1/I/L, 5/S,
2/Z, 8/B), shown as ``K7M-Q4P``: 25^6 ≈ 2.4·10^8 codes, of which an account may try a few per
window (the cog's rate limit), so guessing one inside its ten minutes is hopeless. The database
keeps only the SHA-256 of ``community:CODE``: a copy of it shows no code that could be entered.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH = 6


def new_code() -> str:
    """A fresh random code, written ``ABC-DEF``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:3]}-{raw[3:]}"


def normalise(typed: str) -> str | None:
    """What a person typed as a code (any case, spaces or dashes), or None when it can't be one."""
    cleaned = "".join(ch for ch in typed.upper() if ch not in " -_.\t")
    if len(cleaned) != LENGTH:
        return None
    if not all(ch in ALPHABET for ch in cleaned):
        return None
    return cleaned


def digest(community: str, code: str) -> str:
    """The stored form of a normalised code."""
    return hashlib.sha256(f"{community}:{code}".encode()).hexdigest()

