"""Structured (logfmt) logging to standard error."""

from __future__ import annotations

import logging
import sys
import time


class LogfmtFormatter(logging.Formatter):
    """``ts=... level=... logger=... msg="..."`` plus the traceback, if any."""

    def format(self, record: logging.LogRecord) -> str:
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        msg = record.getMessage().replace('"', '\\"').replace("\n", "\\n")
        line = f'ts={ts}Z level={record.levelname.lower()} logger={record.name} msg="{msg}"'
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup(level: str) -> None:
    """Send every log record at ``level`` or above to stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogfmtFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("apscheduler", "alembic", "aiosqlite", "discord", "slack_bolt", "slack_sdk", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
