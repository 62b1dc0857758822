"""Command parameters read from the handler's own signature, so they are declared exactly once.

``async def warn(self, event, member: UserRef, points: Annotated[int, Arg("how many", 1, 100)] | None
= None, reason: str | None = None)`` declares a member, an optional whole number between 1 and
100 and the rest of the line as text. ``Arg`` adds a description and limits; a ``Literal[...]``
is a choice; ``X | None`` (or a default) is optional; a last ``str`` takes the rest of the line.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Union

from bot.commands import Param, ParamType
from bot.refs import ChannelRef, RoleRef, UserRef

_TYPES: dict[Any, ParamType] = {UserRef: ParamType.MEMBER, ChannelRef: ParamType.CHANNEL, RoleRef: ParamType.ROLE,
                                int: ParamType.INTEGER, str: ParamType.TEXT, timedelta: ParamType.DURATION,
                                datetime: ParamType.DATETIME}
RESERVED = ("self", "level")  # level= is the invoker's level, passed by the dispatcher


@dataclass(frozen=True, slots=True)
class Arg:
    """What an annotation alone can't say about a parameter: ``Annotated[int, Arg("how many", 1, 100)]``."""

    description: str = ""
    min_value: int | None = None
    max_value: int | None = None


def params_from(fn: Callable[..., Any]) -> tuple[Param, ...]:
    """The command parameters of a handler ``(self, event, ...)``: every keyword after the event."""
    hints = typing.get_type_hints(fn, include_extras=True)
    found: list[Param] = []
    for index, (name, parameter) in enumerate(inspect.signature(fn).parameters.items()):
        if index < 2 or name in RESERVED or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue  # self and the event
        if name not in hints:
            raise TypeError(f"{fn.__qualname__}: parameter {name!r} needs a type annotation to be a command option")
        found.append(_param(fn, name, hints[name], parameter.default is not parameter.empty))
    return tuple(found)


def _param(fn: Callable[..., Any], name: str, hint: Any, has_default: bool) -> Param:
    arg = Arg()
    if typing.get_origin(hint) is typing.Annotated:
        arg = next((m for m in hint.__metadata__ if isinstance(m, Arg)), arg)
        hint = hint.__origin__
    optional = False
    if typing.get_origin(hint) in (Union, types.UnionType):
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(members) < len(typing.get_args(hint))
        if len(members) != 1:
            raise TypeError(f"{fn.__qualname__}: parameter {name!r} must be one type (or that type | None)")
        hint = members[0]
    if typing.get_origin(hint) is typing.Annotated:  # Annotated inside the Optional
        arg = next((m for m in hint.__metadata__ if isinstance(m, Arg)), arg)
        hint = hint.__origin__
    if typing.get_origin(hint) is Literal:
        return Param(name, ParamType.CHOICE, arg.description, required=not (optional or has_default),
                     choices=tuple(str(c) for c in typing.get_args(hint)))
    kind = _TYPES.get(hint)
    if kind is None:
        raise TypeError(f"{fn.__qualname__}: parameter {name!r} has a type commands can't take: {hint!r}")
    return Param(name, kind, arg.description, required=not (optional or has_default),
                 min_value=arg.min_value, max_value=arg.max_value)
