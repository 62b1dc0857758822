"""The answer to a request the feedback logic would not carry out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Refused:
    """A request that was not carried out, with the sentence to answer the person."""

    reason: str
