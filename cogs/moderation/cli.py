"""``steward moderation check`` (dry-run rules on lines of text) and ``steward moderation bench``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.config import ConfigError, load_config
from bot.encodable import clean
from cogs.moderation.rules import MessageFacts, Tracker, evaluate
from cogs.moderation.settings import ModerationSettings


def register_cli(subparsers: Any) -> None:
    """Add ``moderation check`` and ``moderation bench`` to the steward command."""
    moderation = subparsers.add_parser("moderation", help="moderation tools: test rules, benchmark the matcher")
    sub = moderation.add_subparsers(dest="moderation_command", required=True)
    check = sub.add_parser("check", help="run messages (one per line) through the rules and print JSON lines")
    check.add_argument("--config", default="config/example.yaml", help="the config file (default: %(default)s)")
    check.add_argument("--community", help="which community (default: the first with a moderation section)")
    check.add_argument("--input", help="read messages from FILE instead of standard input")
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


def check_line(settings: ModerationSettings, line: str) -> dict[str, Any]:
    """What the rules would do with one message (each line on its own: no flood or repeats)."""
    text_hits = {h.rule: h.term for h in settings.engine.match(line)}
    mentions = line.count("<@") + sum(1 for w in line.split() if w.startswith("@") and len(w) > 1
                                      and w not in ("@everyone", "@here"))
    facts = MessageFacts(text=line, author="check", channel="check", channel_name="", at=datetime.now(UTC),
                         mentions=mentions, everyone="@everyone" in line or "@here" in line)
    hits = [h for h in evaluate(settings, facts, Tracker(), text_hits)
            if not settings.rules[h.rule].channels]
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
    try:
        for raw in stream:
            line = clean(raw.rstrip("\n"))
            if line.strip():
                print(json.dumps(check_line(settings, line), ensure_ascii=False), flush=True)
    finally:
        if stream is not sys.stdin:
            stream.close()
    return 0


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
