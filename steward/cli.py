"""The ``steward`` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from adapters.console.adapter import quiet_stdout
from bot import __version__
from bot.config import ConfigError
from steward import logs
from steward.app import load, platform_plan, serve, status, upgrade
from steward.catalog import Catalog, discover

DEFAULT_CONFIG = "config/example.yaml"


def summary(path: str, catalog: Catalog) -> tuple[int, str]:
    """Validate a config file: (exit code, one-screen summary or the errors)."""
    try:
        config = load(path, catalog)
    except ConfigError as exc:
        return 1, "\n".join(str(i) for i in exc.issues) + f"\n{len(exc.issues)} problem(s); config rejected."
    lines = [f"{path}: OK", f"storage: {_masked(config.storage.url)}", f"time zone: {config.timezone}",
             f"log level: {config.log_level}", "platforms:"]
    lines += [f"  {platform}: {why}" for platform, _starts, why in platform_plan(config, catalog)]
    for community in config.communities:
        where = [f"{platform} {section.scope()}" for platform, section in community.platform_sections().items()]
        lines.append(f"community {community.name}: {', '.join(where) or 'console only'}")
        lines.append(f"  cogs: {', '.join(sorted(community.cog_sections())) or 'none'}")
        shown = [f"{k}={v}" if isinstance(v, str) else f"{k}=" + " / ".join(f"{p} {n}" for p, n in v.items())
                 for k, v in community.channels.items()]
        lines.append(f"  channels: {', '.join(shown) or 'none'}")
        roles = ", ".join(f"{k}={'/'.join(v)}" for k, v in community.roles.items())
        lines.append(f"  roles: {roles or 'none'}")
    return 0, "\n".join(lines)


def _masked(url: str) -> str:
    from bot.storage import mask_url

    return mask_url(url)


def parser(catalog: Catalog) -> argparse.ArgumentParser:
    """The argument parser, including subcommands cogs contribute."""
    p = argparse.ArgumentParser(prog="steward", description="Community-operations bot for Discord and Slack.")
    p.add_argument("--version", action="version", version=f"steward {__version__}")
    p.add_argument("--log-level", choices=["debug", "info", "warning", "error"],
                   help="log level on standard error (default: the config's log_level)")
    sub = p.add_subparsers(dest="command")
    run = sub.add_parser("run", help="start Steward")
    run.add_argument("--config", default=DEFAULT_CONFIG)
    run.add_argument("--console", action="store_true", help="use the console even if tokens are set")
    run.add_argument("--script", help="read console input from FILE (its clock moves only with :time)")
    check = sub.add_parser("check-config", help="validate a config file without starting")
    check.add_argument("path")
    st = sub.add_parser("status", help="every running process: leader or follower, its shards, scheduler lag")
    st.add_argument("--config", default=DEFAULT_CONFIG)
    db = sub.add_parser("db", help="database maintenance")
    db.set_defaults(help_of=db)
    db_sub = db.add_subparsers(dest="db_command")
    up = db_sub.add_parser("upgrade", help="apply migrations (they also run at every start) and list them")
    up.add_argument("--config", default=DEFAULT_CONFIG)
    for module in catalog.cog_modules.values():
        register = getattr(module, "register_cli", None)
        if register is not None:
            register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``steward`` console script."""
    try:
        return _main(argv)
    except BrokenPipeError:  # the reader of our output left (`steward moderation check ... | head -1`)
        quiet_stdout()
        return 1


def _main(argv: Sequence[str] | None) -> int:
    catalog = discover()
    args = parser(catalog).parse_args(argv)
    logs.setup(args.log_level or "warning")  # `run` switches to the config's level once it is read
    if args.command == "check-config":
        code, text = summary(args.path, catalog)
        print(text, file=sys.stdout if code == 0 else sys.stderr)
        return code
    if args.command == "run":
        if args.script:
            try:
                with open(args.script, encoding="utf-8") as script:
                    return asyncio.run(serve(args.config, force_console=True, stdin=script,
                                             log_level=args.log_level, scripted=True))
            except OSError as exc:
                print(f"steward: can't read the script: {exc}", file=sys.stderr)
                return 1
        return asyncio.run(serve(args.config, force_console=args.console, log_level=args.log_level))
    if args.command == "status":
        return asyncio.run(status(args.config))
    if args.command == "db" and args.db_command == "upgrade":
        return asyncio.run(upgrade(args.config))
    if getattr(args, "help_of", None) is not None:  # `steward db` alone: that command's help
        args.help_of.print_help()
        return 2
    handler = getattr(args, "handler", None)
    if handler is not None:
        return int(handler(args, catalog) or 0)
    parser(catalog).print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
