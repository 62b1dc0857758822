"""Read the YAML file (1.2 semantics), substitute ``${ENV}``, validate, and locate errors."""

from __future__ import annotations

import os
import re
import typing
from collections.abc import Mapping
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.config.errors import ConfigError, ConfigIssue, Path
from bot.config.models import StewardConfig, build_models
from bot.config.types import ChannelMarker, LogicalMarker, PlatformSection, RoleMarker, TargetMarker
from bot.config.yamltree import MAX_BYTES, YamlRefused, build

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_ANY_ENV = re.compile(r"\$\{[^}]*\}?")


class _Reader:
    """Substitutes ``${ENV}`` in text values and remembers each key's line."""

    def __init__(self, file: str, env: Mapping[str, str]) -> None:
        self.file = file
        self.env = env
        self.lines: dict[Path, int] = {}
        self.issues: list[ConfigIssue] = []

    def substitute(self, value: str, path: Path, line: int | None) -> str:
        if "${" not in value:
            return value

        def repl(match: re.Match[str]) -> str:
            whole = _ENV.fullmatch(match.group())
            if whole is None:  # `${TOKEN` or `${1BAD}`: a typo that must not become literal text
                self.issues.append(ConfigIssue(
                    self.file, line, path,
                    f"malformed substitution `{match.group()}`: write ${{NAME}} or ${{NAME:-default}} "
                    "(letters, digits and _, not starting with a digit)"))
                return ""
            name, default = whole.group(1), whole.group(2)
            if name in self.env:
                return self.env[name]
            if default is not None:
                return default
            self.issues.append(ConfigIssue(
                self.file, line, path,
                f"environment variable {name} is not set (write ${{{name}:-}} to make it optional)"))
            return ""
        return _ANY_ENV.sub(repl, value)

    def line_for(self, path: Path) -> int:
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1  # a key missing at the top: the document itself


def _message(err: Mapping[str, Any], known_cogs: list[str], loc: Path) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        if len(loc) == 3 and loc[0] == "communities":
            known = ", ".join(sorted(known_cogs)) or "none installed"
            return f"unknown section `{loc[2]}` (cog sections: {known})"
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    msg = str(err.get("msg", "invalid value"))
    msg = msg.removeprefix("Value error, ")
    if kind in {"string_type", "int_type", "int_parsing", "float_type", "list_type", "dict_type",
                "model_type", "literal_error", "enum"}:
        got = err.get("input")
        if not isinstance(got, (dict, list)):
            msg += f" (got `{got}`)"
    return msg


def _clean_loc(loc: tuple[Any, ...]) -> Path:
    # pydantic adds function-validator names to the location; they are not keys.
    return tuple(p for p in loc if isinstance(p, int) or not str(p).startswith(("function-", "lax-")))


def _marked(annotation: Any) -> tuple[str | None, Any]:
    """Return ("channel"|"role"|None, inner annotation) for a field annotation."""
    if typing.get_origin(annotation) is typing.Annotated:
        for meta in annotation.__metadata__:
            if isinstance(meta, ChannelMarker):
                return "channel", annotation
            if isinstance(meta, RoleMarker):
                return "role", annotation
            if isinstance(meta, LogicalMarker):
                return "logical", annotation
            if isinstance(meta, TargetMarker):
                return "target", annotation
    return None, annotation


def _references(model: BaseModel, path: Path) -> list[tuple[str, str, Path]]:
    """Every (kind, name, path) of channel and role names inside a cog section."""
    out: list[tuple[str, str, Path]] = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        kind = None
        for meta in info.metadata:
            if isinstance(meta, ChannelMarker):
                kind = "channel"
            elif isinstance(meta, RoleMarker):
                kind = "role"
            elif isinstance(meta, LogicalMarker):
                kind = "logical"
            elif isinstance(meta, TargetMarker):
                kind = "target"
        if kind is None:
            for arg in typing.get_args(info.annotation):
                kind = kind or _marked(arg)[0]
        out.extend(_walk(value, (*path, name), kind))
    return out


def _walk(value: Any, path: Path, kind: str | None) -> list[tuple[str, str, Path]]:
    if isinstance(value, BaseModel):
        return _references(value, path)
    if isinstance(value, (list, tuple)):
        return [r for i, v in enumerate(value) for r in _walk(v, (*path, i), kind)]
    if isinstance(value, dict):
        return [r for k, v in value.items() for r in _walk(v, (*path, k), kind)]
    if kind == "target" and isinstance(value, str):  # "#name" is a channel, anything else a key
        return [("channel" if value.startswith("#") else "logical", value, path)]
    if kind and isinstance(value, str):
        return [(kind, value, path)]
    return []


def join_claim_clashes(sections: Mapping[str, BaseModel], base: Path) -> list[tuple[Path, str]]:
    """Two cog sections of one community that both act on the same thing at every join.

    A section may define ``join_claims() -> {claim: "dotted.key.path"}`` naming what it does to
    a join (``account_age``: it acts on accounts younger than some age). Two sections claiming
    one thing would both act on a single join (moderation's account-age rule and onboarding's
    verification gate), so the config is refused at both places, each naming the other.
    """
    holders: dict[str, list[tuple[str, str]]] = {}
    for cog, section in sections.items():
        claims = getattr(section, "join_claims", None)
        if callable(claims):
            for claim, where in claims().items():
                holders.setdefault(claim, []).append((cog, where))
    out: list[tuple[Path, str]] = []
    for claim, held in holders.items():
        if len(held) < 2:
            continue
        for cog, where in held:
            others = " and ".join(f"{c}.{w}" for c, w in held if (c, w) != (cog, where))
            key: Path = (*base, cog, *(int(p) if p.isdigit() else p for p in where.split(".")))
            out.append((key, f"{cog} and {others} would both act on one join ({claim.replace('_', ' ')}); "
                             f"keep one of them"))
    return out


def _semantic_checks(config: StewardConfig, reader: _Reader) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    seen_names: set[str] = set()
    seen_scopes: dict[tuple[str, str], str] = {}

    def issue(path: Path, message: str) -> None:
        issues.append(ConfigIssue(reader.file, reader.line_for(path), path, message))

    for i, community in enumerate(config.communities):
        if community.name in seen_names:
            issue(("communities", i, "name"), f"community `{community.name}` is defined twice")
        seen_names.add(community.name)
        for platform, scope_section in community.platform_sections().items():
            key = (platform, scope_section.scope())
            if key in seen_scopes:
                issue(("communities", i, platform),
                      f"{platform} {key[1]} already belongs to community `{seen_scopes[key]}`")
            seen_scopes[key] = community.name
        for path, message in join_claim_clashes(community.cog_sections(), ("communities", i)):
            issue(path, message)
        channels = community.channel_names()
        roles = community.role_names()
        on = sorted(community.platform_sections())
        for purpose, spec in community.per_platform().items():
            stray = sorted(set(spec) - set(on))
            if on and stray:  # without platform sections (the console, tests) any platform may be meant
                issue(("communities", i, "channels", purpose),
                      f"names {', '.join(stray)}, which this community is not on (it is on {', '.join(on)})")
        for cog, section in community.cog_sections().items():
            for kind, name, path in _references(section, ("communities", i, cog)):
                if kind == "channel" and name not in channels:
                    issue(path, f"unknown channel `{name}`: declare it under communities[{i}].channels")
                elif kind == "logical" and name not in community.channels:
                    known = ", ".join(sorted(community.per_platform())) or "none yet"
                    issue(path, f"unknown channel key `{name}`: declare it under communities[{i}].channels "
                                f"as {{discord: \"#name\", slack: \"#name\"}} (per-platform keys: {known})")
                elif kind == "role" and name not in roles:
                    issue(path, f"unknown role `{name}`: declare it under communities[{i}].roles")
    return issues


def load_config_text(text: str, *, file: str = "config.yaml",
                     cogs: Mapping[str, type[BaseModel]] | None = None,
                     platforms: Mapping[str, type[BaseModel]] | None = None,
                     sections: Mapping[str, type[PlatformSection]] | None = None,
                     env: Mapping[str, str] | None = None) -> StewardConfig:
    """Validate YAML text; raise :class:`ConfigError` listing every problem.

    ``platforms``: each adapter's settings model; ``sections``: each adapter's model of its part
    of a community (both by platform name, as the adapter packages export them).
    """
    cogs = dict(cogs or {})
    reader = _Reader(file, os.environ if env is None else env)
    try:
        tree = build(text, file, reader.substitute)
    except YamlRefused as exc:
        raise ConfigError([exc.issue]) from None
    reader.lines = tree.lines
    data = tree.data
    if data is None:
        raise ConfigError([ConfigIssue(file, 1, (), "the file is empty")])
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(file, 1, (), "the top level must be a mapping of keys")])
    if reader.issues:
        raise ConfigError(reader.issues)
    model = build_models(cogs, dict(platforms or {}), sections)
    try:
        config = model.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            loc = _clean_loc(tuple(err["loc"]))
            issues.append(ConfigIssue(file, reader.line_for(loc), loc, _message(err, list(cogs), loc)))
        raise ConfigError(issues) from None
    semantic = _semantic_checks(config, reader)
    if semantic:
        raise ConfigError(semantic)
    return config


def load_config(path: str | os.PathLike[str], **kwargs: Any) -> StewardConfig:
    """Read and validate a config file; errors name ``file:line key.path``."""
    fs_path = FsPath(path)
    try:
        raw = fs_path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(fs_path.name, None, (), f"no such file: {path}")]) from None
    except OSError as exc:
        raise ConfigError([ConfigIssue(fs_path.name, None, (), f"can't read the file: {exc}")]) from None
    return load_config_text(decode(raw, fs_path.name), file=fs_path.name, **kwargs)


def decode(raw: bytes, file: str) -> str:
    """UTF-8 bytes to text; a bad byte is reported with its line and column."""
    if len(raw) > MAX_BYTES:
        raise ConfigError([ConfigIssue(file, 1, (), f"the file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = len(raw[raw.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace")) + 1
        raise ConfigError([ConfigIssue(file, line, (), f"not UTF-8: byte 0x{raw[exc.start]:02X} at column {column} "
                                                       "(save the file as UTF-8)", column=column)]) from None
