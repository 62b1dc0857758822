"""``steward report``: one community's KPIs as a self-contained HTML page, or CSV / JSON."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import ConfigError, load_config
from bot.storage import Database, StorageError
from cogs.analytics import store
from cogs.analytics.charts import Charts, render_all
from cogs.analytics.kpis import Kpis
from cogs.analytics.period import PeriodError, day_number, parse_days, window
from cogs.analytics.report import as_csv, as_json, page


def register_cli(subparsers: Any) -> None:
    """Add ``report`` to the steward command."""
    report = subparsers.add_parser("report", help="write a community's KPIs: an HTML page with charts, CSV or JSON")
    report.add_argument("--config", required=True, help="the config file")
    report.add_argument("--community", required=True, help="which community")
    report.add_argument("--since", default="30d", help="the period up to today: 7d, 30d, 4w (default 30d)")
    report.add_argument("--out", required=True, help="the file to write ('-' for standard output)")
    report.add_argument("--format", choices=["html", "csv", "json"], default="html", help="default html")
    report.set_defaults(handler=report_command)


async def gather(url: str, migrations: list[Path], community: str, days: int, now: datetime, tz: ZoneInfo) -> Kpis:
    """Every KPI of the last ``days`` days of ``community``."""
    db = await Database.open(url, migrations)
    try:
        async with db.session() as session:
            return await store.compute(session, window(community, days, now, tz), day_number(now, tz))
    finally:
        await db.close()


def render(k: Kpis, fmt: str, now: datetime) -> str:
    """The report in one of the formats."""
    if fmt == "csv":
        return as_csv(k)
    if fmt == "json":
        return as_json(k)
    return page(k, render_all(k) if k.has_data else Charts(), generated=now)


def report_command(args: argparse.Namespace, catalog: Any) -> int:
    """Write the report; say what went in."""
    try:
        days = parse_days(args.since)
    except PeriodError as exc:
        print(f"steward: --since: {exc}", file=sys.stderr)
        return 1
    try:
        config = load_config(args.config, **catalog.config_models())
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    found = next((c for c in config.communities if c.name == args.community), None)
    if found is None:
        names = ", ".join(c.name for c in config.communities)
        print(f"steward: no community {args.community!r} in {args.config} (there: {names})", file=sys.stderr)
        return 1
    tz = ZoneInfo(found.timezone or config.timezone)
    now = datetime.now(UTC)
    try:
        k = asyncio.run(gather(config.storage.url, catalog.migrations(), args.community, days, now, tz))
    except StorageError as exc:
        print(f"steward: {exc}", file=sys.stderr)
        return 1
    text = render(k, args.format, now)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"steward: can't write {args.out}: {exc.strerror}", file=sys.stderr)
            return 1
    if not k.has_data:
        print(f"steward: {args.community} has no activity recorded yet; the report says so", file=sys.stderr)
    elif args.out != "-":
        print(f"wrote the {args.format} report of {args.community} for the last {days} day(s) to {args.out}",
              file=sys.stderr)
    return 0
