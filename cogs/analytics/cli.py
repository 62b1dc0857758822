"""``steward report``: one community's KPIs as a self-contained HTML page, or CSV / JSON; ``steward simulate``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import ConfigError, load_config
from bot.persons import accounts
from bot.runtime import Runtime
from bot.storage import Database, StorageError
from bot.testing.memory import MemoryAdapter
from cogs.analytics import store
from cogs.analytics.charts import Charts, render_all
from cogs.analytics.kpis import Kpis
from cogs.analytics.period import PeriodError, day_number, parse_days, window
from cogs.analytics.report import as_csv, as_json, page
from cogs.analytics.simulate import PLATFORM, Simulation, bar


def register_cli(subparsers: Any) -> None:
    """Add ``report`` to the steward command."""
    report = subparsers.add_parser("report", help="write a community's KPIs: an HTML page with charts, CSV or JSON")
    report.add_argument("--config", required=True, help="the config file")
    report.add_argument("--community", required=True, help="which community")
    report.add_argument("--since", default="30d", help="the period up to today: 7d, 30d, 4w (default 30d)")
    report.add_argument("--out", required=True, help="the file to write ('-' for standard output)")
    report.add_argument("--format", choices=["html", "csv", "json"], default="html", help="default html")
    report.set_defaults(handler=report_command)
    sim = subparsers.add_parser("simulate", help="fill the configured database with a realistic synthetic month")
    sim.add_argument("--config", required=True, help="the config file")
    sim.add_argument("--community", required=True, help="which community")
    sim.add_argument("--days", type=int, default=30, help="how many days, up to today (default 30, at most 90)")
    sim.add_argument("--members", type=int, default=500, help="how many members (default 500, at most 5,000)")
    sim.add_argument("--seed", type=int, default=1, help="the same seed gives the same month")
    sim.add_argument("--force", action="store_true", help="write even where real members are stored")
    sim.set_defaults(handler=simulate_command)


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


async def real_members(url: str, migrations: list[Path], community: str) -> int:
    """Accounts of ``community`` that a simulation did not make."""
    db = await Database.open(url, migrations)
    try:
        async with db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(accounts).where(
                accounts.c.community == community, accounts.c.platform != PLATFORM)) or 0)
    finally:
        await db.close()


async def simulate(config: Any, catalog: Any, community: str, days: int, members: int, seed: int) -> int:
    """Run the configured cogs on the simulated platform through ``days`` up to now; the events handed in."""
    found = next(c for c in config.communities if c.name == community)
    adapter = MemoryAdapter(community, platform=PLATFORM, channels=found.channel_names(PLATFORM),
                            roles=found.role_names())
    for other in config.communities:
        adapter.world(other.name, other.channel_names(PLATFORM), other.role_names())
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0) - timedelta(days=days))
    config = config.model_copy(update={"operations": None})  # a running Steward may hold the endpoint's port
    runtime = Runtime(config, cogs=catalog.cogs, adapters=[adapter], clock=clock,
                      migrations=catalog.adapter_migrations())
    await runtime.start()
    try:
        return await Simulation(runtime, adapter, clock, community, members=members, days=days, seed=seed,
                                progress=bar).run()
    finally:
        await runtime.stop()


def simulate_command(args: argparse.Namespace, catalog: Any) -> int:
    """Refuse a database with real members (unless --force), then simulate and say what was made."""
    if not 1 <= args.days <= 90 or not 1 <= args.members <= 5000:
        print("steward: --days is 1 to 90 and --members 1 to 5,000", file=sys.stderr)
        return 1
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
        real = asyncio.run(real_members(config.storage.url, catalog.migrations(), args.community))
        if real and not args.force:
            print(f"steward: the database of {args.community} already holds {real} real member account(s); "
                  "simulated members would mix into their figures. Use another database, or --force.",
                  file=sys.stderr)
            return 1
        events = asyncio.run(simulate(config, catalog, args.community, args.days, args.members, args.seed))
    except StorageError as exc:
        print(f"steward: {exc}", file=sys.stderr)
        return 1
    print(f"simulated {args.days} day(s) of {args.community} with {args.members} members: {events:,} events. "
          f"Now: steward report --config {args.config} --community {args.community} --out report.html",
          file=sys.stderr)
    return 0
