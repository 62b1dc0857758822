"""Reading the config again: what may change while running, and what waits for a restart."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.communities import CommunityBook
from bot.config.errors import ConfigError
from bot.config.models import StewardConfig
from bot.errors import StartupError
from bot.names import resolve_names
from bot.platforms import Platforms


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


async def refusals(running: CommunityBook, proposed: CommunityBook, platforms: Platforms) -> list[str]:
    """Why the proposed communities can't replace the running ones (empty: they can, names resolved)."""
    problems = stranded(running.scopes, proposed.scopes)
    if problems:
        return problems
    try:
        await resolve_names(proposed.by_name.values(), platforms)
    except StartupError as exc:
        return [str(exc)]
    return []


async def proposed(loader: Callable[[], StewardConfig] | None, current: StewardConfig, running: CommunityBook,
                   platforms: Platforms, check: Callable[[Mapping[str, Any]], None],
                   ) -> tuple[StewardConfig | None, CommunityBook | None, list[str]]:
    """The config and communities a reload switches to with notes for the admin, or (None, None, the
    problems) to keep the running ones: a bad file, clashing declarations, a stranded scope, unknown names."""
    new, notes = next_config(loader, current)
    if new is None:
        return None, None, notes
    book = CommunityBook.build(new, platforms)
    try:
        check(book.by_name)
    except StartupError as exc:
        return None, None, [str(exc)]
    problems = await refusals(running, book, platforms)
    return (None, None, problems) if problems else (new, book, notes)


def stranded(running: Mapping[tuple[str, str], str], proposed: Mapping[tuple[str, str], str]) -> list[str]:
    """Why a reload is refused: each platform scope Steward runs in that the new config leaves to no community.

    Such a scope would be ignored until a restart (every message dropped, every command, /reload
    included, answered "not set up"), so the reload is refused like a bad file.
    """
    return [f"{platform} {scope} (community {name}) would belong to no community after this reload, and "
            f"Steward would ignore it until a restart: keep a community for it (a renamed community needs a "
            f"restart)" for (platform, scope), name in sorted(running.items()) if (platform, scope) not in proposed]


def _dump(model: Any) -> Any:
    return model.model_dump() if hasattr(model, "model_dump") else model
