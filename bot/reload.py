"""Reading the config again: what may change while running, and what waits for a restart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.config.errors import ConfigError
from bot.config.models import StewardConfig


def next_config(loader: Callable[[], StewardConfig] | None,
                current: StewardConfig) -> tuple[StewardConfig | None, list[str]]:
    """The config to switch to and notes for the admin, or (None, the problems) to keep the running one.

    Platforms and storage stay as they started: those changes take effect at the next restart.
    """
    if loader is None:
        return None, ["this Steward was started without a config file to reload"]
    try:
        new = loader()
    except ConfigError as exc:
        return None, [str(issue) for issue in exc.issues]
    if _dump(new.platforms) == _dump(current.platforms) and new.storage == current.storage:
        return new, []
    pinned = new.model_copy(update={"platforms": current.platforms, "storage": current.storage})
    return pinned, ["platform and storage changes take effect at the next restart"]


def _dump(model: Any) -> Any:
    return model.model_dump() if hasattr(model, "model_dump") else model
