"""Actions to JSON and back, so an outbox entry survives a restart.

Actions are frozen dataclasses made of refs, content and plain values. Any dataclass defined
in the core (``bot.*``) is written as its type name plus fields and read back only from the
core's modules: nothing in a stored row can name code outside ``bot``.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.actions import Action

_TYPE, _DT, _TD, _TZ, _BYTES, _DICT = "$t", "$dt", "$td", "$tz", "$b", "$d"


class CodecError(ValueError):
    """A stored entry could not be read back into an action."""


def encode(action: Action) -> dict[str, Any]:
    """The action as JSON-ready data."""
    data = _encode(action)
    assert isinstance(data, dict)
    return data


def decode(data: dict[str, Any]) -> Action:
    """The action stored by :func:`encode`."""
    action = _decode(data)
    if not isinstance(action, Action):
        raise CodecError(f"not an action: {type(action).__name__}")
    return action


def encode_value(value: Any) -> Any:
    """Any core value (an event relayed to another process, say) as JSON-ready data."""
    return _encode(value)


def decode_value(data: Any) -> Any:
    """The value stored by :func:`encode_value`."""
    try:
        return _decode(data)
    except (TypeError, ValueError) as exc:
        raise CodecError(str(exc)) from exc


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, datetime):
        return {_DT: value.isoformat()}
    if isinstance(value, timedelta):
        return {_TD: value.total_seconds()}
    if isinstance(value, ZoneInfo):  # a Moment's zone, set by the gate for its reader
        if not value.key:
            raise CodecError("can't store a time zone without a name")
        return {_TZ: value.key}
    if isinstance(value, bytes):  # a file sent with a message
        return {_BYTES: base64.b64encode(value).decode("ascii")}
    if isinstance(value, (tuple, list, frozenset)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):  # a command's options, a form's fields (an event relayed to another process)
        if not all(isinstance(k, str) for k in value):
            raise CodecError("can't store a mapping whose keys are not text")
        return {_DICT: {k: _encode(v) for k, v in value.items()}}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        if not cls.__module__.startswith("bot."):
            raise CodecError(f"{cls.__module__}.{cls.__qualname__} is not a core type")
        out: dict[str, Any] = {_TYPE: f"{cls.__module__}:{cls.__qualname__}"}
        for f in dataclasses.fields(value):
            if f.init:
                out[f.name] = _encode(getattr(value, f.name))
        return out
    raise CodecError(f"can't store a {type(value).__name__}")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if not isinstance(value, dict):
        return value
    if _DT in value:
        return datetime.fromisoformat(value[_DT])
    if _TD in value:
        return timedelta(seconds=value[_TD])
    if _TZ in value:
        try:
            return ZoneInfo(str(value[_TZ]))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CodecError(f"unknown time zone {value[_TZ]!r}") from exc
    if _DICT in value and isinstance(value[_DICT], dict):
        return {str(k): _decode(v) for k, v in value[_DICT].items()}
    if _BYTES in value:
        try:
            return base64.b64decode(str(value[_BYTES]), validate=True)
        except ValueError as exc:
            raise CodecError("unreadable file data") from exc
    name = value.get(_TYPE)
    if not isinstance(name, str) or ":" not in name:
        raise CodecError("a stored value without its type")
    module, _, qualname = name.partition(":")
    if not module.startswith("bot."):
        raise CodecError(f"{name} is not a core type")
    try:
        cls = getattr(importlib.import_module(module), qualname)
    except (ImportError, AttributeError) as exc:
        raise CodecError(f"unknown type {name}") from exc
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise CodecError(f"{name} is not a dataclass")
    fields = {k: _decode(v) for k, v in value.items() if k != _TYPE}
    made: Any = cls(**fields)
    return made
