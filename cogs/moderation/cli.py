"""``steward moderation check`` (dry-run rules on lines of text, or on a timestamped chat with
``--stream``) and ``steward moderation bench``."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from bot.config import ConfigError, load_config
from bot.encodable import clean
from cogs.moderation.activity import MessageFacts, Tracker
from cogs.moderation.normalise import normalise
from cogs.moderation.rules import evaluate
from cogs.moderation.settings import ModerationSettings


def register_cli(subparsers: Any) -> None:
    """Add ``moderation check`` and ``moderation bench`` to the steward command."""
    moderation = subparsers.add_parser("moderation", help="moderation tools: test rules, benchmark the matcher")
    sub = moderation.add_subparsers(dest="moderation_command", required=True)
    check = sub.add_parser("check", help="run messages (one per line) through the rules and print JSON lines")
    check.add_argument("--config", default="config/example.yaml", help="the config file (default: %(default)s)")
    check.add_argument("--community", help="which community (default: the first with a moderation section)")
    check.add_argument("--input", help="read messages from FILE instead of standard input")
    check.add_argument("--stream", action="store_true",
                       help="lines are a timestamped chat (`12:00:01 alice: text`, `12:00:02 +bob` for a join), "
                            "so flood, repeat and raid rules apply too")
    check.set_defaults(handler=check_command)
    bench = sub.add_parser("bench", help="benchmark the matcher against a naive per-rule regex loop")
    bench.add_argument("--keywords", type=int, default=10_000)
    bench.add_argument("--regexes", type=int, default=50)
    bench.add_argument("--messages", type=int, default=20_000)
    bench.add_argument("--seed", type=int, default=7)
    bench.add_argument("--json", action="store_true", help="print one JSON object (default: readable lines)")
    bench.set_defaults(handler=bench_command)


def _settings(args: argparse.Namespace, catalog: Any) -> ModerationSettings:
    config = load_config(args.config, **catalog.config_models())
    names = [c.name for c in config.communities]
    if args.community and args.community not in names:
        raise LookupError(f"there is no community `{args.community}` in {args.config} "
                          f"(communities: {', '.join(names)})")
    for community in config.communities:
        if args.community and community.name != args.community:
            continue
        section = community.cog_sections().get("moderation")
        if isinstance(section, ModerationSettings):
            return section
    where = f"community {args.community}" if args.community else "any community"
    raise LookupError(f"no moderation section in {where} of {args.config}")


def check_line(settings: ModerationSettings, line: str, *, author: str = "check", at: datetime | None = None,
               tracker: Tracker | None = None) -> dict[str, Any]:
    """What the rules would do with one message (alone, or in a stream sharing one ``tracker``)."""
    text_hits = {h.rule: h.term for h in settings.engine.match(line)}
    mentions = line.count("<@") + sum(1 for w in line.split() if w.startswith("@") and len(w) > 1
                                      and w not in ("@everyone", "@here"))
    facts = MessageFacts(text=line, author=author, channel="check", channel_name="", at=at or datetime.now(UTC),
                         mentions=mentions, everyone="@everyone" in line or "@here" in line)
    if tracker is None:
        tracker = Tracker()
    else:
        tracker.record(facts, " ".join(normalise(line).split()))
    hits = [h for h in evaluate(settings, facts, tracker, text_hits)
            if not settings.rules[h.rule].channels]
    if hits and any(not h.shadow for h in hits):
        tracker.forget(author)  # as the cog does: one burst is one case
    actions: list[str] = []
    for hit in hits:
        if hit.shadow:
            continue
        for spec in settings.rules[hit.rule].actions:
            if spec.describe() not in actions:
                actions.append(spec.describe())
    out: dict[str, Any] = {"text": line, "rules": [h.name for h in hits], "actions": actions}
    shadow = [h.name for h in hits if h.shadow]
    if shadow:
        out["shadow"] = shadow
    details = {h.name: h.detail for h in hits}
    if details:
        out["why"] = details
    return out


_STAMPED = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(?:\+(\S+)\s*$|([^:]+?):\s?(.*)$)")


class StreamReader:
    """Timestamped chat lines in order: a shared tracker for flood and repeats, joins for raids."""

    def __init__(self, settings: ModerationSettings) -> None:
        self.settings = settings
        self.tracker = Tracker()
        self.joins: deque[datetime] = deque(maxlen=500)
        self.raid_until: datetime | None = None
        self._last: datetime | None = None
        self._day = datetime(2000, 1, 1, tzinfo=UTC)

    def _time(self, h: str, m: str, sec: str | None) -> datetime:
        hour, minute, second = int(h), int(m), int(sec or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError(f"`{h}:{m}{':' + sec if sec else ''}` is not a time of day")
        at = self._day.replace(hour=hour, minute=minute, second=second)
        if self._last is not None and at < self._last:
            self._day += timedelta(days=1)  # the chat went past midnight
            at += timedelta(days=1)
        self._last = at
        return at

    def line(self, raw: str) -> dict[str, Any]:
        """One line's verdict; ValueError says what is wrong with the line."""
        m = _STAMPED.match(raw.strip())
        if m is None:
            raise ValueError("expected `HH:MM[:SS] name: text` or `HH:MM[:SS] +name` (a join)")
        at = self._time(m.group(1), m.group(2), m.group(3))
        stamp = at.strftime("%H:%M:%S")
        if m.group(4):
            return {"at": stamp, "joined": m.group(4), **self._join(at)}
        author, text = m.group(5).strip(), m.group(6)
        return {"at": stamp, "author": author, **check_line(self.settings, text, author=author, at=at,
                                                            tracker=self.tracker)}

    def _join(self, at: datetime) -> dict[str, Any]:
        conf = self.settings.raid
        if not conf.enabled:
            return {"raid": False, "actions": []}
        self.joins.append(at)
        if self.raid_until is not None and at >= self.raid_until:
            self.raid_until = None
        started = False
        if self.raid_until is None:
            recent = sum(1 for t in self.joins if t >= at - conf.within)
            if recent < conf.joins:
                return {"raid": False, "actions": []}
            started = True
            self.raid_until = at + conf.ends_after if conf.ends_after is not None else datetime.max.replace(tzinfo=UTC)
        out: dict[str, Any] = {"raid": True, "actions": [conf.action.describe()]}
        if started:
            out["raid_started"] = True
        return out


def check_command(args: argparse.Namespace, catalog: Any) -> int:
    """Print one JSON object per input line."""
    try:
        settings = _settings(args, catalog)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except LookupError as exc:
        print(f"steward: {exc.args[0]}", file=sys.stderr)
        return 1
    stream: TextIO
    try:
        # bytes that aren't UTF-8 (and lone surrogates) become U+FFFD: one bad line never stops the run
        stream = open(args.input, encoding="utf-8", errors="replace") if args.input else sys.stdin
        if stream is sys.stdin and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    except OSError as exc:
        print(f"steward: can't read {args.input}: {exc.strerror}", file=sys.stderr)
        return 1
    reader = StreamReader(settings) if args.stream else None
    bad = 0
    try:
        for number, raw in enumerate(stream, start=1):
            line = clean(raw.rstrip("\n"))
            if not line.strip():
                continue
            if reader is None:
                print(json.dumps(check_line(settings, line), ensure_ascii=False), flush=True)
                continue
            try:
                print(json.dumps(reader.line(line), ensure_ascii=False), flush=True)
            except ValueError as exc:  # said, and the rest of the stream still runs
                bad += 1
                print(f"steward: line {number}: {exc}", file=sys.stderr)
    finally:
        if stream is not sys.stdin:
            stream.close()
    return 1 if bad else 0


def bench_command(args: argparse.Namespace, catalog: Any) -> int:
    """Run the benchmark and print the figures."""
    from cogs.moderation.benchmark import run

    result = run(args.keywords, args.regexes, args.messages, seed=args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0
