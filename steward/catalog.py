"""Discover the installed cogs and platform adapters by package convention.

A cog package ``cogs/<name>/`` exports ``COG`` (its :class:`bot.cog.Cog` subclass) and may
export ``register_cli(subparsers)``. An adapter package ``adapters/<platform>/`` exports
``PLATFORM``, ``SETTINGS``, ``COMMUNITY`` when communities name their scope on it (a
:class:`bot.config.types.PlatformSection`) and (except the console) ``create(settings, config=...)``.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import BaseModel

import adapters
import cogs
from bot.cog import Cog
from bot.config.types import PlatformSection


@dataclass(frozen=True)
class Catalog:
    """What this installation can run."""

    cogs: dict[str, type[Cog]]
    cog_modules: dict[str, ModuleType]
    adapters: dict[str, ModuleType]

    def cog_models(self) -> dict[str, type[BaseModel]]:
        """Settings model per cog section."""
        return {name: cls.settings_model for name, cls in self.cogs.items()}

    def migrations(self) -> list[Path]:
        """Every cog's and adapter's Alembic versions folder."""
        return [Path(c.migrations) for c in self.cogs.values() if c.migrations is not None] + self.adapter_migrations()

    def adapter_migrations(self) -> list[Path]:
        """Every adapter package's Alembic versions folder (``MIGRATIONS``), running or not.

        A database that once ran with an adapter records that adapter's revisions; without its
        folder Alembic cannot open the database after that adapter is switched off.
        """
        return [Path(m) for module in self.adapters.values() if (m := getattr(module, "MIGRATIONS", None))]

    def platform_models(self) -> dict[str, type[BaseModel]]:
        """Settings model per platform section."""
        return {name: module.SETTINGS for name, module in self.adapters.items()}

    def community_models(self) -> dict[str, type[PlatformSection]]:
        """Each platform's model of its part of a community (``COMMUNITY``), for platforms that have one."""
        return {name: section for name, module in self.adapters.items()
                if (section := getattr(module, "COMMUNITY", None)) is not None}

    def config_models(self) -> dict[str, Any]:
        """The keyword arguments :func:`bot.config.load_config` needs for this installation."""
        return {"cogs": self.cog_models(), "platforms": self.platform_models(), "sections": self.community_models()}


def discover() -> Catalog:
    """Import every cog and adapter package."""
    found_cogs: dict[str, type[Cog]] = {}
    cog_modules: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(cogs.__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"cogs.{info.name}")
        cls: Any = getattr(module, "COG", None)
        if cls is None:
            continue
        found_cogs[cls.name] = cls
        cog_modules[cls.name] = module
    found_adapters: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(adapters.__path__), key=lambda i: i.name):
        if info.ispkg:
            module = importlib.import_module(f"adapters.{info.name}")
            if hasattr(module, "PLATFORM"):
                found_adapters[module.PLATFORM] = module
    return Catalog(found_cogs, cog_modules, found_adapters)
