"""Read the YAML file (1.2 semantics), substitute ``${ENV}``, validate, and locate errors."""

from __future__ import annotations

import os
import re
import typing
from collections.abc import Mapping
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.config.errors import ConfigError, ConfigIssue, Path
from bot.config.models import StewardConfig, build_models
from bot.config.types import ChannelMarker, PlatformSection, RoleMarker

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class _Reader:
    """Turns ruamel's round-trip tree into plain data, remembering each key's line."""

    def __init__(self, file: str, env: Mapping[str, str]) -> None:
        self.file = file
        self.env = env
        self.lines: dict[Path, int] = {}
        self.issues: list[ConfigIssue] = []

    def plain(self, node: Any, path: Path, line: int | None) -> Any:
        if line is not None:
            self.lines[path] = line
        if isinstance(node, CommentedMap):
            out: dict[str, Any] = {}
            for key, value in node.items():
                key_line = node.lc.key(key)[0] + 1
                if isinstance(key, int) and not isinstance(key, bool):
                    key = str(key)  # numeric keys (escalation thresholds `{3: ...}`) are read as text
                if not isinstance(key, str):
                    self.issues.append(ConfigIssue(self.file, key_line, path,
                                                   f"key `{key}` must be text"))
                    key = str(key)
                out[key] = self.plain(value, (*path, key), key_line)
            return out
        if isinstance(node, CommentedSeq):
            return [self.plain(v, (*path, i), node.lc.item(i)[0] + 1) for i, v in enumerate(node)]
        if isinstance(node, str):
            return self.substitute(node, path, line)
        return node

    def substitute(self, value: str, path: Path, line: int | None) -> str:
        def repl(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in self.env:
                return self.env[name]
            if default is not None:
                return default
            self.issues.append(ConfigIssue(
                self.file, line, path,
                f"environment variable {name} is not set (write ${{{name}:-}} to make it optional)"))
            return ""
        return _ENV.sub(repl, str(value))

    def line_for(self, path: Path) -> int | None:
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


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
    if kind and isinstance(value, str):
        return [(kind, value, path)]
    return []


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
        channels = set(community.channels.values())
        roles = community.role_names()
        for cog, section in community.cog_sections().items():
            for kind, name, path in _references(section, ("communities", i, cog)):
                if kind == "channel" and name not in channels:
                    issue(path, f"unknown channel `{name}`: declare it under communities[{i}].channels")
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
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = (exc.problem or "invalid YAML").strip()
        if "duplicate key" in problem or "found duplicate key" in str(exc):
            key = re.search(r'duplicate key "([^"]+)"', str(exc))
            problem = f"duplicate key `{key.group(1)}`" if key else "duplicate key"
        raise ConfigError([ConfigIssue(file, line, (), f"YAML syntax: {problem}")]) from None
    except YAMLError as exc:
        raise ConfigError([ConfigIssue(file, None, (), f"YAML syntax: {exc}")]) from None
    if tree is None:
        raise ConfigError([ConfigIssue(file, None, (), "the file is empty")])
    if not isinstance(tree, CommentedMap):
        raise ConfigError([ConfigIssue(file, 1, (), "the top level must be a mapping of keys")])
    data = reader.plain(tree, (), None)
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
        text = fs_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(fs_path.name, None, (), f"no such file: {path}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigIssue(fs_path.name, None, (), f"can't read the file: {exc}")]) from None
    config = load_config_text(text, file=fs_path.name, **kwargs)
    return config
