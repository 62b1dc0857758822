"""``steward feedback export``: every item of a community as CSV or JSON, anonymous authors left out."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import sys
from collections.abc import Sequence
from typing import Any

from bot.config import ConfigError, load_config
from bot.storage.database import Database, StorageError
from cogs.feedback import store
from cogs.feedback.base import public_data
from cogs.feedback.store import Entry

COLUMNS = ("number", "title", "details", "category", "tags", "status", "source", "votes", "merged_into",
           "created_at", "author")


def to_json(entries: Sequence[Entry]) -> str:
    """A JSON array of the items as the product tool sees them."""
    return json.dumps([public_data(e) for e in entries], ensure_ascii=False, indent=2) + "\n"


def to_csv(entries: Sequence[Entry]) -> str:
    """CSV with a header row; tags space-separated, an anonymous item's author empty."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        row = public_data(entry)
        row["tags"] = " ".join(row["tags"])
        # A spreadsheet runs a cell starting with = + - @ as a formula: members wrote these texts.
        writer.writerow({k: ("'" + v if isinstance(v, str) and v and v[0] in "=+-@\t\r" else
                             "" if v is None else v) for k, v in row.items()})
    return out.getvalue()


def register_cli(subparsers: Any) -> None:
    """Add ``feedback export``."""
    feedback = subparsers.add_parser("feedback", help="feedback tools: export items")
    sub = feedback.add_subparsers(dest="feedback_command", required=True)
    export = sub.add_parser("export", help="print every item of a community as CSV or JSON")
    export.add_argument("--config", required=True, help="the config file")
    export.add_argument("--community", help="which community (default: the first with a feedback section)")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.set_defaults(handler=export_command)


def export_command(args: argparse.Namespace, catalog: Any) -> int:
    """Print the export to standard output."""
    try:
        config = load_config(args.config, **catalog.config_models())
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    names = [c.name for c in config.communities if "feedback" in c.cog_sections()]
    name = args.community or (names[0] if names else None)
    if name is None or name not in names:
        where = f"community {args.community}" if args.community else "any community"
        print(f"steward: no feedback section in {where} of {args.config}", file=sys.stderr)
        return 1
    try:
        entries = asyncio.run(_entries(config.storage.url, catalog.migrations(), name))
    except StorageError as exc:
        print(f"steward: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(to_json(entries) if args.format == "json" else to_csv(entries))
    return 0


async def _entries(url: str, migrations: Sequence[Any], community: str) -> list[Entry]:
    db = await Database.open(url, migrations)
    try:
        async with db.session() as session:
            return await store.listing(session, community)
    finally:
        await db.close()
