"""Checks on what a member submits, before anything is stored: empty, oversized, unstorable text.

Pure: the cog calls :func:`check_submission` and answers the member with ``Refused.reason`` (the
text they typed is quoted back to them by the cog, so nothing is lost).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cogs.feedback.answers import Refused

MAX_TITLE = 120
MAX_DETAILS = 4000
_SPACES = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Submission:
    """A title and details that can be stored and shown: trimmed, storable, within limits."""

    title: str
    details: str

    @property
    def text(self) -> str:
        """What the duplicate finder indexes: title, then details."""
        return f"{self.title}\n{self.details}" if self.details else self.title


def _storable(text: str) -> str:
    # A lone surrogate cannot be encoded as UTF-8, so PostgreSQL would refuse the row.
    return _SURROGATE.sub("\ufffd", text).replace("\x00", "")


def check_submission(title: str, details: str = "", *, max_title: int = MAX_TITLE,
                     max_details: int = MAX_DETAILS) -> Submission | Refused:
    """The submission ready to store, or why it cannot be (the member is told which limit)."""
    clean_title = _SPACES.sub(" ", _storable(title)).strip()
    clean_details = _storable(details).strip()
    if not clean_title and clean_details:
        # A post in the feedback channel has no title: its first line becomes one.
        first, _, rest = clean_details.partition("\n")
        clean_title, clean_details = _SPACES.sub(" ", first).strip(), rest.strip()
        if len(clean_title) > max_title:
            clean_title, clean_details = clean_title[:max_title - 1].rstrip() + "…", clean_details or first.strip()
    if not clean_title:
        return Refused("Your feedback is empty: please say what you would like to see.")
    if len(clean_title) > max_title:
        return Refused(f"The title is {len(clean_title)} characters; the limit is {max_title}. "
                       "Put the rest in the details.")
    if len(clean_details) > max_details:
        return Refused(f"The details are {len(clean_details)} characters; the limit is {max_details}.")
    return Submission(clean_title, clean_details)
