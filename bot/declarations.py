"""Checks at start (and reload) that what cogs declare holds together, before any event arrives.

Two commands (or aliases) of one name, a declared parameter the method does not take, or a cog
that needs what a platform of its community cannot do each stop start-up with a clear error.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping

from bot.cog import Cog
from bot.community import Community
from bot.errors import DeclarationError, MissingCapability
from bot.platforms import Platforms


def check_commands(classes: Iterable[type[Cog]]) -> None:
    """Every command name and alias is used once, and each declared parameter is one its method takes."""
    problems: list[str] = []
    owner: dict[str, str] = {}
    for cls in classes:
        for spec in cls.table().commands:
            where = f"{cls.__name__}.{spec.method}"
            for name in (spec.name, *spec.aliases):
                if name in owner and owner[name] != where:
                    problems.append(f"/{name} is declared twice: by {owner[name]} and by {where}")
                owner.setdefault(name, where)
            taken = inspect.signature(getattr(cls, spec.method)).parameters
            takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in taken.values())
            for param in spec.params:
                if param.name == "level":
                    problems.append(f"/{spec.name}: the parameter name 'level' is reserved (handlers that take "
                                    "level= get the invoker's level)")
                elif param.name not in taken and not takes_any:
                    problems.append(f"/{spec.name} declares the parameter {param.name!r}, which {where} does not take")
    if problems:
        raise DeclarationError("cog declarations don't hold together:\n  " + "\n  ".join(problems))


def check_requirements(communities: Mapping[str, Community], enabled: Mapping[str, Iterable[type[Cog]]],
                       platforms: Platforms) -> None:
    """Each enabled cog's ``requires`` is met on every platform its community is on."""
    problems: list[str] = []
    for name, classes in enabled.items():
        community = communities[name]
        for cls in classes:
            for platform in community.scopes:
                missing = sorted(cls.requires - platforms.capabilities(platform))
                for capability in missing:
                    adapter = platforms.get(platform)
                    explain = getattr(adapter, "explain_missing", None)
                    why = explain(capability) if explain is not None else f"{platform} can't {capability.value}"
                    problems.append(f"community {name} turns {cls.name} on, which needs {capability.value} on "
                                    f"{platform}: {why} (or turn {cls.name} off in that community)")
    if problems:
        raise MissingCapability("\n  ".join(problems))


def check_cogs(communities: Mapping[str, Community], classes: Mapping[str, type[Cog]], platforms: Platforms,
               core: Iterable[type[Cog]] = ()) -> None:
    """Both checks for the cogs each community turns on (and the core's own)."""
    enabled = {name: [*core, *(classes[cog] for cog in community.config.cog_sections())]
               for name, community in communities.items()}
    for cogs in enabled.values():
        check_commands(cogs)
    check_requirements(communities, enabled, platforms)
