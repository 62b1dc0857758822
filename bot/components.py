"""Buttons, selects and forms, declared once in the core and rendered by each adapter.

A component's id is ``"<cog>:<name>"`` plus a short value; handlers are found by name, so a
button posted before a restart still reaches its handler afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PREFIX = "st1"
MAX_CUSTOM_ID = 100  # Discord's limit; Slack allows 255

ButtonStyle = Literal["primary", "secondary", "success", "danger"]
FieldKind = Literal["short", "paragraph", "choice"]


def encode_custom_id(action: str, value: str = "") -> str:
    """Encode a component action and its value into one platform custom id."""
    custom = f"{PREFIX}|{action}|{value}"
    if len(custom) > MAX_CUSTOM_ID:
        raise ValueError(f"custom id too long ({len(custom)} > {MAX_CUSTOM_ID}): {action}")
    return custom


def decode_custom_id(custom: str) -> tuple[str, str] | None:
    """Return ``(action, value)`` from a custom id Steward made, or None for a foreign one."""
    parts = custom.split("|", 2)
    if len(parts) != 3 or parts[0] != PREFIX or ":" not in parts[1]:
        return None
    return parts[1], parts[2]


@dataclass(frozen=True, slots=True)
class Button:
    """A button; ``action`` is ``cog:name`` and ``value`` travels with the press."""

    label: str
    action: str
    value: str = ""
    style: ButtonStyle = "secondary"

    @property
    def custom_id(self) -> str:
        """The id adapters put on the platform component."""
        return encode_custom_id(self.action, self.value)


@dataclass(frozen=True, slots=True)
class SelectOption:
    """One choice of a select menu."""

    label: str
    value: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Select:
    """A select menu; the chosen values arrive as ``ButtonPressed.values``."""

    action: str
    options: tuple[SelectOption, ...]
    value: str = ""
    placeholder: str = ""
    min_values: int = 1
    max_values: int = 1

    @property
    def custom_id(self) -> str:
        """The id adapters put on the platform component."""
        return encode_custom_id(self.action, self.value)


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of a form (Discord modal text input, Slack view input, console prompt)."""

    name: str
    label: str
    kind: FieldKind = "short"
    required: bool = True
    placeholder: str = ""
    max_length: int = 1000
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Form:
    """A form of several fields; its submission arrives as ``FormSubmitted``.

    ``intro`` is shown as plain text (escaped like user text), as it is usually built from data.
    """

    action: str
    title: str
    fields: tuple[FormField, ...]
    value: str = ""
    intro: str = ""

    @property
    def custom_id(self) -> str:
        """The id adapters put on the platform form."""
        return encode_custom_id(self.action, self.value)

    def validate(self, values: dict[str, str]) -> dict[str, str]:
        """Return field errors (name -> message) for submitted values."""
        errors: dict[str, str] = {}
        for f in self.fields:
            v = values.get(f.name, "").strip()
            if f.required and not v:
                errors[f.name] = f"{f.label} is required."
            elif len(v) > f.max_length:
                errors[f.name] = f"{f.label} is too long ({len(v)} > {f.max_length} characters)."
            elif f.kind == "choice" and v and f.choices and v not in f.choices:
                errors[f.name] = f"{f.label} must be one of: {', '.join(f.choices)}."
        return errors
