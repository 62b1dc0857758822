"""The outbox: every outgoing effect durable, paced, laned, retried and delivered once."""

from bot.outbox.sender import Entry, Outbox
from bot.outbox.table import outbox as outbox_table

__all__ = ["Entry", "Outbox", "outbox_table"]
