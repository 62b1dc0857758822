"""Strings every codec and platform can carry."""

from __future__ import annotations


def clean(value: str) -> str:
    """``value`` with lone surrogates (which no platform can encode) replaced by U+FFFD."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # through UTF-16: a pair written as two code points becomes its character, a lone half U+FFFD
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return value
