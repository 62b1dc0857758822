"""Core command specs ↔ Discord application commands: payloads, digests, options, autocomplete."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from bot.commands import CommandSpec, Param, ParamType
from bot.durations import DurationError, parse_duration
from bot.permissions import Level
from bot.refs import ChannelRef, RoleRef, UserRef

P = "discord"
STRING, INTEGER, USER, CHANNEL, ROLE = 3, 4, 6, 7, 8
_TYPES = {
    ParamType.MEMBER: USER, ParamType.CHANNEL: CHANNEL, ParamType.ROLE: ROLE, ParamType.INTEGER: INTEGER,
    ParamType.TEXT: STRING, ParamType.CHOICE: STRING, ParamType.DURATION: STRING, ParamType.DATETIME: STRING,
}
_HINTS = {ParamType.DURATION: "e.g. 10m, 2h, 7d", ParamType.DATETIME: "e.g. 2026-12-01 18:00 or in 2h"}
_NAME = re.compile(r"[^a-z0-9_-]")
DURATIONS = ("10m", "30m", "1h", "6h", "12h", "1d", "3d", "7d", "14d", "28d")
_UNITS = ("m", "h", "d", "w")
# Who sees a staff command by default (server admins can change it: Server Settings → Integrations).
# Steward still checks its own configured roles on every use; this only hides the command.
MODERATE_MEMBERS, MANAGE_GUILD = 1 << 40, 1 << 5
_VISIBLE_TO = {Level.MODERATOR: MODERATE_MEMBERS, Level.ADMIN: MANAGE_GUILD}


def slug(name: str) -> str:
    """A valid Discord command/option name (lower case, 1–32 of a-z 0-9 _ -)."""
    return (_NAME.sub("-", name.lower())[:32]) or "x"


def _description(text: str, fallback: str) -> str:
    return (text.strip() or fallback)[:100]


def option(param: Param) -> dict[str, Any]:
    """One typed option."""
    out: dict[str, Any] = {"type": _TYPES[param.type], "name": slug(param.name), "required": param.required}
    hint = _HINTS.get(param.type)
    out["description"] = _description(f"{param.description} ({hint})" if hint and param.description
                                      else param.description or hint or "", param.name)
    if param.type is ParamType.CHOICE and param.choices:
        if len(param.choices) <= 25:
            out["choices"] = [{"name": c[:100], "value": c[:100]} for c in param.choices]
        else:
            out["autocomplete"] = True
    if param.type is ParamType.DURATION:
        out["autocomplete"] = True
    if param.type is ParamType.INTEGER:
        if param.min_value is not None:
            out["min_value"] = param.min_value
        if param.max_value is not None:
            out["max_value"] = param.max_value
    return out


def payload(spec: CommandSpec, name: str | None = None) -> dict[str, Any]:
    """A chat-input command, usable in servers only (Steward's communities are servers).

    Moderator and admin commands are hidden from members by default (``default_member_permissions``).
    ``name``: publish the command under one of its aliases.
    """
    params = sorted(spec.params, key=lambda p: not p.required)  # Discord wants required options first
    description = spec.description if name is None else f"{spec.description} (same as /{slug(spec.name)})"
    out: dict[str, Any] = {"type": 1, "name": slug(name or spec.name),
                           "description": _description(description, spec.name),
                           "options": [option(p) for p in params], "contexts": [0], "integration_types": [0]}
    visible_to = next((bit for level, bit in sorted(_VISIBLE_TO.items(), reverse=True) if spec.level >= level),
                      None)
    if visible_to is not None:
        out["default_member_permissions"] = str(visible_to)
    return out


def payloads(specs: Sequence[CommandSpec]) -> list[dict[str, Any]]:
    """Every command once (first declaration wins), then each alias not taken by a command; sorted."""
    seen: dict[str, dict[str, Any]] = {}
    for spec in specs:
        seen.setdefault(slug(spec.name), payload(spec))
    for spec in specs:
        for alias in spec.aliases:
            seen.setdefault(slug(alias), payload(spec, alias))
    return [seen[name] for name in sorted(seen)][:100]


def direct_payloads(specs: Sequence[CommandSpec]) -> list[dict[str, Any]]:
    """The commands members may use in a DM with Steward, as global commands usable only there.

    Guild commands never show in DMs, and a timed-out or banned member can't use them in the
    server either: ``/appeal`` has to be a global command in the bot's DM (context 1).
    """
    seen: dict[str, dict[str, Any]] = {}
    for spec in specs:
        if spec.direct:
            seen.setdefault(slug(spec.name), {**payload(spec), "contexts": [1]})
    return [seen[name] for name in sorted(seen)][:100]


def digest(body: list[dict[str, Any]]) -> str:
    """A stable hash of the definitions, to publish only when they changed."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def find(specs: Sequence[CommandSpec], name: str) -> CommandSpec | None:
    """The spec behind a Discord command name (a command's own name before anyone's alias)."""
    for spec in specs:
        if slug(spec.name) == name:
            return spec
    for spec in specs:
        if any(slug(alias) == name for alias in spec.aliases):
            return spec
    return None


def options(spec: CommandSpec | None, data: dict[str, Any]) -> dict[str, object]:
    """Interaction options → core values by parameter name (users, channels and roles as refs)."""
    names = {slug(p.name): p.name for p in spec.params} if spec is not None else {}
    out: dict[str, object] = {}
    for opt in data.get("options", []) or []:
        kind, value = opt.get("type"), opt.get("value")
        name = names.get(opt["name"], opt["name"])
        if kind == USER:
            out[name] = UserRef(P, str(value))
        elif kind == CHANNEL:
            out[name] = ChannelRef(P, str(value))
        elif kind == ROLE:
            out[name] = RoleRef(P, str(value))
        else:
            out[name] = value
    return out


def focused(data: dict[str, Any]) -> tuple[str, str] | None:
    """The option being typed in an autocomplete interaction: (name, partial text)."""
    for opt in data.get("options", []) or []:
        if opt.get("focused"):
            return opt["name"], str(opt.get("value", ""))
    return None


def suggest(spec: CommandSpec | None, option_name: str, typed: str) -> list[tuple[str, str]]:
    """Autocomplete choices (name, value): durations people type, or matching choices."""
    param = next((p for p in spec.params if slug(p.name) == option_name), None) if spec else None
    if param is None:
        return []
    typed = typed.strip().lower()
    if param.type is ParamType.CHOICE:
        return [(c, c) for c in param.choices if typed in c.lower()][:25]
    candidates: list[str] = []
    if typed.isdigit():
        candidates = [f"{typed}{u}" for u in _UNITS]
    elif typed:
        candidates = [typed, *(d for d in DURATIONS if d.startswith(typed))]
    else:
        candidates = list(DURATIONS)
    out: list[tuple[str, str]] = []
    for c in candidates:
        try:
            parse_duration(c)
        except DurationError:
            continue
        if c not in (v for _, v in out):
            out.append((c, c))
    return out[:25]
