"""Form submissions checked in the core against the schema their handler declares.

Every platform's submissions pass here, so a blank required field, an over-long answer or a
choice that isn't offered gets the same answer everywhere — per field, with what the member
wrote given back so nothing is lost. (Slack also checks at acknowledgement time, where it can
keep the modal open; that is its fast path, not the only check.)
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import Reply
from bot.components import Form, FormField
from bot.content import Content, Segment, UserText
from bot.events import FormSubmitted


def form_errors(fields: Sequence[FormField], values: dict[str, str]) -> dict[str, str]:
    """Field name -> what is wrong with its value (empty when the submission is fine)."""
    return Form("", "", tuple(fields)).validate(values)


def form_refusal(fields: Sequence[FormField], event: FormSubmitted) -> Reply | None:
    """The answer to a submission that breaks its schema, or None when it may reach the handler."""
    errors = form_errors(fields, event.fields)
    if not errors:
        return None
    segments: list[Segment] = ["Your form wasn't sent — please fix:"]
    segments += [f"\n  • {errors[f.name]}" for f in fields if f.name in errors]
    written = [(f, event.fields[f.name]) for f in fields if event.fields.get(f.name, "").strip()]
    if written:
        segments.append("\nWhat you wrote, to copy:")
        for f, value in written:
            segments += ["\n  ", f.label, ": ", UserText(value)]  # labels are Steward's own words
    return Reply(origin=event.origin, content=Content(tuple(segments)))
