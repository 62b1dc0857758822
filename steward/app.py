"""Build a :class:`bot.runtime.Runtime` from a config file and run it until told to stop."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import TextIO

from adapters.console import ConsoleAdapter, ConsoleSettings
from bot.adapter import Adapter
from bot.clock import Clock, ManualClock, SystemClock
from bot.config import ConfigError, StewardConfig, load_config
from bot.errors import StartupError
from bot.runtime import Runtime
from bot.storage import StorageError
from steward import logs
from steward.catalog import Catalog, discover

log = logging.getLogger("steward")


def load(path: str | Path, catalog: Catalog) -> StewardConfig:
    """Load and validate a config file with every installed cog and platform model."""
    return load_config(path, **catalog.config_models())


def build_adapters(config: StewardConfig, catalog: Catalog, *, force_console: bool = False,
                   stdin: TextIO | None = None,
                   scripted: bool = False) -> tuple[list[Adapter], ConsoleAdapter | None, Clock]:
    """Start every platform with credentials; the console when none have any (or when forced)."""
    found: list[Adapter] = []
    settings = config.platform_settings()
    for platform, module in catalog.adapters.items():
        if platform == "console" or platform not in settings or force_console:
            continue
        adapter = module.create(settings[platform], config=config)
        if adapter is None:
            log.info("%s: no credentials in the config; not started", platform)
        else:
            found.append(adapter)
    if found:
        return found, None, SystemClock()
    console_settings = settings.get("console")
    if not isinstance(console_settings, ConsoleSettings):
        console_settings = ConsoleSettings()
    name = console_settings.community or config.communities[0].name
    # a script's clock moves only with `:time`, so the same script always prints the same transcript
    clock = ManualClock(follow_real_time=not scripted)
    if console_settings.sides:  # one community on several platforms, played in one terminal
        sides = [ConsoleAdapter(config.community(name), clock, settings=console_settings, stdin=stdin, platform=side)
                 for side in console_settings.sides]
        for side in sides:
            side.peers = {other.platform: other for other in sides if other is not side}
        return list(sides), sides[0], clock
    console = ConsoleAdapter(config.community(name), clock, settings=console_settings, stdin=stdin)
    return [console], console, clock


def platform_plan(config: StewardConfig, catalog: Catalog) -> list[tuple[str, bool, str]]:
    """What ``steward run`` would start: (platform, starts, why) for every installed platform."""
    settings = config.platform_settings()
    plan: list[tuple[str, bool, str]] = []
    for platform, module in sorted(catalog.adapters.items()):
        if platform == "console":
            continue
        section = settings.get(platform)
        if section is None:
            plan.append((platform, False, f"off: no platforms.{platform} section"))
            continue
        given, missing = module.credentials(section)
        if not given:
            plan.append((platform, False, f"off for want of credentials ({', '.join(missing)} empty)"))
        elif missing:
            plan.append((platform, False, f"will NOT start: {', '.join(missing)} empty (start-up stops)"))
        else:
            plan.append((platform, True, "starts"))
    if not any(starts for _p, starts, _w in plan):
        plan.append(("console", True, "starts, as no platform has credentials"))
    return plan


def load_or_report(config_path: str, catalog: Catalog) -> StewardConfig | None:
    """Load the config, or print every located error to stderr and return None."""
    try:
        return load(config_path, catalog)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return None


async def serve(config_path: str, *, force_console: bool = False, stdin: TextIO | None = None,
                log_level: str | None = None, scripted: bool = False) -> int:
    """Run Steward; returns the process exit code. ``log_level`` (the flag) overrides the config's."""
    catalog = discover()
    config = load_or_report(config_path, catalog)
    if config is None:
        return 1
    logs.setup(log_level or config.log_level)
    try:
        adapters, console, clock = build_adapters(config, catalog, force_console=force_console, stdin=stdin,
                                                  scripted=scripted)
    except StartupError as exc:  # e.g. STEWARD_SHARD_IDS that don't fit the count
        print(f"steward: {exc}", file=sys.stderr)
        return 1
    runtime = Runtime(config, cogs=catalog.cogs, adapters=adapters, clock=clock,
                      loader=lambda: load(config_path, catalog), migrations=catalog.adapter_migrations())
    try:
        await runtime.start()
    except (StorageError, StartupError) as exc:
        print(f"steward: {exc}", file=sys.stderr)
        await _safe_stop(runtime)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(_reload(runtime)))
    log.info("steward started: platforms=%s communities=%s; %s", ",".join(runtime.adapters),
             ",".join(runtime.communities), runtime.processes.detail())
    if console is not None:
        console.run_input()
        done = asyncio.ensure_future(console.done.wait())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({done, stopped}, return_when=asyncio.FIRST_COMPLETED)
        done.cancel()
        stopped.cancel()
    else:
        await stop.wait()
    await runtime.stop()
    return 0


async def _reload(runtime: Runtime) -> None:
    problems = await runtime.reload()
    if problems:
        for problem in problems:
            log.error("reload: %s", problem)
    else:
        log.info("reload: config reloaded")


async def _safe_stop(runtime: Runtime) -> None:
    try:
        await runtime.stop()
    except Exception:  # start-up failed half-way; the original error is what matters
        log.debug("stop after failed start", exc_info=True)


async def upgrade(config_path: str) -> int:
    """Apply every migration and exit."""
    catalog = discover()
    config = load_or_report(config_path, catalog)
    if config is None:
        return 1
    from bot.storage import Database, mask_url

    try:
        db = await Database.open(config.storage.url, catalog.migrations())
    except StorageError as exc:
        print(f"steward: {exc}", file=sys.stderr)
        return 1
    await db.close()
    where = mask_url(config.storage.url)
    if db.applied:
        print(f"database {where}: applied {len(db.applied)} migration(s):")
        for revision in db.applied:
            print(f"  {revision}")
    print(f"database {where} is up to date")
    return 0


async def status(config_path: str) -> int:
    """Print every live process on the config's database: leader or follower, shards, scheduler lag."""
    catalog = discover()
    config = load_or_report(config_path, catalog)
    if config is None:
        return 1
    from bot.cluster import live_processes
    from bot.storage import Database, mask_url

    try:
        db = await Database.open(config.storage.url, catalog.migrations())
    except StorageError as exc:
        print(f"steward: {exc}", file=sys.stderr)
        return 1
    try:
        if db.dialect != "postgresql":
            print(f"database {mask_url(config.storage.url)}: SQLite runs one process, which is the leader; "
                  "nothing to list (several processes need PostgreSQL)")
            return 0
        found = await live_processes(db)
    finally:
        await db.close()
    if not found:
        print(f"database {mask_url(config.storage.url)}: no Steward process is running")
        return 0
    for info in found:
        role = "leader" if info.leader else "follower"
        lag = "no timers" if info.scheduler_lag is None else f"scheduler lag {info.scheduler_lag:.1f} s"
        shards = ", ".join(info.partitions) or "no shards of its own"
        print(f"{info.name} (pid {info.pid} on {info.host}): {role}; {shards}; {lag}; {info.detail}")
    return 0
