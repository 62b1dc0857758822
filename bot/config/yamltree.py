"""YAML 1.2 text to plain data, built from the parser's events with hard limits.

Building the tree ourselves (instead of a library's constructor) is what makes hostile files
cheap to refuse: aliases are counted by the size they expand to before anything is expanded,
nesting depth is capped without recursion, tags, merge keys and foreign YAML versions are named
and refused, and every key and item keeps the line it was written on. libyaml parses when it is
there (about ten times faster than the pure-Python parser, which is the fallback).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.config.errors import ConfigIssue, Path

MAX_BYTES = 1_000_000  # a config file; real ones are a few kilobytes
MAX_NODES = 200_000  # values in the document once every alias is expanded
MAX_DEPTH = 64  # nested mappings and lists
MAX_INT_DIGITS = 18  # beyond this a number is a typo or an attack, never a setting

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# YAML 1.2 core schema: what a plain (unquoted) scalar means.
_NULL = re.compile(r"~|null|Null|NULL|")
_TRUE = re.compile(r"true|True|TRUE")
_FALSE = re.compile(r"false|False|FALSE")
_INT = re.compile(r"[-+]?[0-9]+")
_OCT = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")
# Characters YAML 1.2 does not allow in a stream (C0 but tab/LF/CR, DEL, C1 but NEL, surrogates).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_TAG_PREFIX = "tag:yaml.org,2002:"


class YamlRefused(Exception):
    """The text was refused; ``issue`` says where and why."""

    def __init__(self, issue: ConfigIssue) -> None:
        self.issue = issue
        super().__init__(str(issue))


@dataclass
class Tree:
    """The plain data and the line of every key path."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)


@dataclass
class _Open:
    """A mapping or list being built."""

    value: dict[str, Any] | list[Any]
    path: Path
    anchor: str | None
    size: int = 1
    key: str | None = None  # a mapping's pending key
    key_line: int = 0
    keys: dict[str, int] = field(default_factory=dict)


def _line(event: Any) -> int:
    return int(event.start_mark.line) + 1 if event.start_mark is not None else 1


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_TAG_PREFIX):] if tag.startswith(_TAG_PREFIX) else tag


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _scalar(value: str, plain: bool, refuse: Any) -> Any:
    if not plain:
        return value
    if _NULL.fullmatch(value):
        return None
    if _TRUE.fullmatch(value):
        return True
    if _FALSE.fullmatch(value):
        return False
    if _INT.fullmatch(value):
        if len(value.lstrip("+-")) > MAX_INT_DIGITS:
            refuse(f"the number `{value[:20]}…` has {len(value)} digits (at most {MAX_INT_DIGITS})")
        return int(value)
    if _OCT.fullmatch(value) or _HEX.fullmatch(value):
        if len(value) > MAX_INT_DIGITS + 2:
            refuse(f"the number `{value[:20]}…` is too long")
        return int(value, 8 if value[1] == "o" else 16)
    if _FLOAT.fullmatch(value):
        return float(value)
    if _INF.fullmatch(value):
        return float("-inf") if value.startswith("-") else float("inf")
    if _NAN.fullmatch(value):
        return float("nan")
    return value


def check_text(text: str, file: str) -> None:
    """Refuse a file that is too large or holds characters YAML forbids (with line and column)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise YamlRefused(ConfigIssue(file, 1, (), f"the file is {size:,} bytes; the limit is {MAX_BYTES:,}"))
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        line, column = _position(text, bad.start())
        raise YamlRefused(ConfigIssue(file, line, (), f"control character U+{ord(bad.group()):04X} at column "
                                                     f"{column}: YAML doesn't allow it", column=column))


def build(text: str, file: str, substitute: Callable[[str, Path, int], str] | None = None) -> Tree:
    """Parse ``text`` into plain data (``substitute`` rewrites each text value); raise
    :class:`YamlRefused` at the first problem."""
    check_text(text, file)
    tree = Tree(None)
    anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, expanded size)
    open_anchors: set[str] = set()
    stack: list[_Open] = []
    total = 0
    documents = 0
    line = 1
    path: Path = ()

    def refuse(message: str, at: Path | None = None) -> None:
        raise YamlRefused(ConfigIssue(file, line, path if at is None else at, message))

    def place(value: Any, size: int, child_path: Path) -> None:
        """Put a finished value into its parent (or make it the document)."""
        nonlocal total
        total += size
        if total > MAX_NODES:
            refuse(f"the document expands to more than {MAX_NODES:,} values (aliases count every "
                   "time they are used)", child_path)
        if not stack:
            tree.data = value
            return
        parent = stack[-1]
        parent.size += size
        if isinstance(parent.value, list):
            parent.value.append(value)
        else:
            assert parent.key is not None
            parent.value[parent.key] = value
            parent.key = None

    def next_path() -> Path:
        if not stack:
            return ()
        parent = stack[-1]
        if isinstance(parent.value, list):
            return (*parent.path, len(parent.value))
        return (*parent.path, parent.key) if parent.key is not None else parent.path

    def take_key(value: Any, event: Any) -> bool:
        """A scalar in key position becomes the mapping's pending key; True when it was one."""
        if not stack or isinstance(stack[-1].value, list) or stack[-1].key is not None:
            return False
        parent = stack[-1]
        if isinstance(value, bool) or value is None or isinstance(value, float):
            refuse(f"key `{event.value}` must be text", parent.path)
        key = str(value)  # numeric keys (escalation thresholds `{3: ...}`) are read as text
        if event.value == "<<" and event.implicit[0]:
            refuse("merge keys (`<<`) aren't supported: write the keys out", parent.path)
        if key in parent.keys:
            refuse(f"duplicate key `{key}` (first on line {parent.keys[key]})", (*parent.path, key))
        parent.keys[key] = line
        parent.key, parent.key_line = key, line
        tree.lines[(*parent.path, key)] = line
        return True

    try:
        for event in yaml.parse(text, Loader=_Loader):
            line = _line(event)
            path = next_path()
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    refuse("only one YAML document per file (remove the second `---`)", ())
                if event.version is not None and tuple(event.version) != (1, 2):
                    version = ".".join(map(str, event.version))
                    refuse(f"`%YAML {version}`: Steward reads YAML 1.2 only (remove the line)", ())
                continue
            tag = getattr(event, "tag", None)
            if tag is not None and not (isinstance(event, yaml.ScalarEvent) and tag == "!"):
                refuse(f"the tag `{_tag_name(tag)}` isn't allowed: write a plain value")
            if isinstance(event, yaml.AliasEvent):
                if event.anchor in open_anchors:
                    refuse(f"`*{event.anchor}` refers to a value it is part of")
                if event.anchor not in anchors:
                    refuse(f"`*{event.anchor}` refers to no anchor `&{event.anchor}` above it")
                value, size = anchors[event.anchor]
                if stack and isinstance(stack[-1].value, dict) and stack[-1].key is None:
                    refuse("an alias can't be a key")
                if stack:
                    tree.lines[path] = line
                place(value, size, path)
            elif isinstance(event, yaml.ScalarEvent):
                value = _scalar(event.value, bool(event.implicit[0]), refuse)
                if take_key(value, event):
                    if event.anchor:
                        anchors[event.anchor] = (value, 1)
                    continue
                if stack:
                    tree.lines[path] = line
                if substitute is not None and isinstance(value, str):
                    value = substitute(value, path, line)
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
                place(value, 1, path)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if stack and isinstance(stack[-1].value, dict) and stack[-1].key is None:
                    refuse("a key must be text, not a mapping or list")
                if len(stack) >= MAX_DEPTH:
                    refuse(f"nested more than {MAX_DEPTH} levels deep")
                if stack:
                    tree.lines[path] = line
                container: dict[str, Any] | list[Any] = {} if isinstance(event, yaml.MappingStartEvent) else []
                stack.append(_Open(container, path, event.anchor))
                if event.anchor:
                    open_anchors.add(event.anchor)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                done = stack.pop()
                if done.anchor:
                    open_anchors.discard(done.anchor)
                    anchors[done.anchor] = (done.value, done.size)
                total -= done.size - 1  # its children were counted as they were placed
                place(done.value, done.size, done.path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at_line = int(mark.line) + 1 if mark is not None else line
        column = int(mark.column) + 1 if mark is not None else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise YamlRefused(ConfigIssue(file, at_line, (), f"YAML syntax: {problem}", column=column)) from None
    except yaml.YAMLError as exc:  # reader errors: positions are character offsets
        position = getattr(exc, "position", None)
        at_line, column = _position(text, position) if isinstance(position, int) else (line, None)
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        raise YamlRefused(ConfigIssue(file, at_line, (), f"YAML: {reason}", column=column)) from None
    return tree
