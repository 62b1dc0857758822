"""Async storage: engine set-up, migrations, the ORM base and the batching writer."""

from bot.storage.base import Base
from bot.storage.batch import BatchWriter
from bot.storage.database import Database, StorageError, mask_url

__all__ = ["Base", "BatchWriter", "Database", "StorageError", "mask_url"]
