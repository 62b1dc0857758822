"""What an adapter performs, as a table of handlers; its capabilities are read off that table.

An adapter registers one coroutine per action type it can perform. A capability is declared
only when every action needing it has a handler (``TIMEOUT`` needs both ``TimeoutMember`` and
``RemoveTimeout``), so a declared capability can never fall through to "unsupported".
``also`` names what a handler honours beyond its action's own capability (``Reply`` shown only
to the invoker: ``EPHEMERAL``); ``receives`` names what the adapter takes in rather than does
(reading message text), which no action stands for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from bot.actions import Action, ActionResult
from bot.capabilities import Capability

A = TypeVar("A", bound=Action)
Handler = Callable[[Any], Awaitable[ActionResult]]


def action_types() -> list[type[Action]]:
    """Every concrete action class (public, with a capability), subclasses included."""
    found: list[type[Action]] = []
    pending = list(Action.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not cls.__name__.startswith("_") and isinstance(getattr(cls, "capability", None), Capability):
            found.append(cls)
    return found


class ActionTable:
    """Action type -> the adapter's coroutine that performs it."""

    def __init__(self) -> None:
        self._handlers: dict[type[Action], Handler] = {}
        self._also: set[Capability] = set()
        self._receives: set[Capability] = set()

    def add(self, action_type: type[A], handler: Callable[[A], Awaitable[ActionResult]], *,
            also: Iterable[Capability] = ()) -> None:
        """Perform ``action_type`` with ``handler``."""
        self._handlers[action_type] = handler
        self._also.update(also)

    def receives(self, *capabilities: Capability) -> None:
        """Declare what the adapter takes in (no action performs it)."""
        self._receives.update(capabilities)

    def handles(self, action: Action) -> bool:
        """Whether there is a handler for this action's type."""
        return type(action) in self._handlers

    def capabilities(self) -> frozenset[Capability]:
        """Each capability all of whose actions have a handler, with what handlers and inbound add."""
        needed: dict[Capability, set[type[Action]]] = {}
        for cls in action_types():
            needed.setdefault(cls.capability, set()).add(cls)
        performed = {cap for cap, classes in needed.items() if classes <= set(self._handlers)}
        return frozenset(performed | self._also | self._receives)

    async def perform(self, action: Action) -> ActionResult:
        """Run the action's handler; an action without one is a failure, never a silent no-op."""
        handler = self._handlers.get(type(action))
        if handler is None:
            return ActionResult.failure(action, f"this platform can't {type(action).__name__}", "unsupported")
        return await handler(action)

