"""``steward events ics``: write a community's upcoming events as one iCalendar feed."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import ConfigError, load_config
from bot.storage import Database, StorageError
from cogs.events import store
from cogs.events.ics import feed_ics
from cogs.events.planning import calendar_event


def register_cli(subparsers: Any) -> None:
    """Add ``events ics`` to the steward command."""
    events = subparsers.add_parser("events", help="events tools: export the calendar")
    sub = events.add_subparsers(dest="events_command", required=True)
    ics = sub.add_parser("ics", help="write the upcoming events of a community as an .ics feed")
    ics.add_argument("--config", required=True, help="the config file")
    ics.add_argument("--community", required=True, help="which community")
    ics.add_argument("--out", required=True, help="the .ics file to write ('-' for standard output)")
    ics.set_defaults(handler=ics_command)


async def feed(url: str, migrations: list[Path], community: str, now: datetime) -> tuple[bytes, int]:
    """The feed of every open event of ``community`` that has an occurrence still to come, and how many."""
    db = await Database.open(url, migrations)
    try:
        async with db.session() as session:
            events = [e for e in await store.all_open(session, community) if e.series.upcoming(now, 1)]
    finally:
        await db.close()
    return feed_ics([calendar_event(e, community) for e in events], now, name=f"{community} events"), len(events)


def ics_command(args: argparse.Namespace, catalog: Any) -> int:
    """Write the feed; say how many events went in."""
    try:
        config = load_config(args.config, **catalog.config_models())
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if args.community not in {c.name for c in config.communities}:
        names = ", ".join(c.name for c in config.communities)
        print(f"steward: no community {args.community!r} in {args.config} (there: {names})", file=sys.stderr)
        return 1
    try:
        data, count = asyncio.run(feed(config.storage.url, catalog.migrations(), args.community, datetime.now(UTC)))
    except StorageError as exc:
        print(f"steward: {exc}", file=sys.stderr)
        return 1
    if args.out == "-":
        sys.stdout.buffer.write(data)
    else:
        try:
            Path(args.out).write_bytes(data)
        except OSError as exc:
            print(f"steward: can't write {args.out}: {exc.strerror}", file=sys.stderr)
            return 1
        print(f"wrote {count} event(s) to {args.out}", file=sys.stderr)
    return 0
