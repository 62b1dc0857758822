"""A refusal of bad input, worded for the person who typed it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why input was refused and what to type instead; holds none of the person's own text.

    The cog echoes what they typed as ``UserText`` if it wants to; these strings are Steward's own.
    """

    reason: str
    hint: str = ""

    def message(self) -> str:
        """The reason and the hint as one sentence pair."""
        return f"{self.reason} {self.hint}".strip()
