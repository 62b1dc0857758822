"""The cog instances of every community: built from the config, set up, torn down, their commands published."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.builtin import CoreCog
from bot.cog import Cog
from bot.commands import CommandSpec
from bot.community import Community
from bot.config.models import StewardConfig
from bot.context import CogContext, Services
from bot.declarations import check_cogs
from bot.jobs import JobRouter
from bot.platforms import Platforms


class CogSet:
    """One instance of each enabled cog per community (the core cog first)."""

    def __init__(self) -> None:
        self.by_community: dict[str, list[Cog]] = {}

    def cogs_of(self, community: str) -> Sequence[Cog]:
        """The cogs running in a community, in order."""
        return self.by_community.get(community, [])

    def commands_for(self, community: Community) -> list[CommandSpec]:
        """Every command enabled in a community."""
        return [spec for cog in self.cogs_of(community.name) for spec in cog.table().commands]

    def all(self) -> list[Cog]:
        """Every running cog instance."""
        return [cog for cogs in self.by_community.values() for cog in cogs]

    def check(self, communities: Mapping[str, Community], classes: Mapping[str, type[Cog]],
              platforms: Platforms) -> None:
        """Stop start-up (or a reload) when declarations clash or a platform can't do what a cog needs."""
        check_cogs(communities, classes, platforms, core=[CoreCog])

    async def build(self, config: StewardConfig, communities: Mapping[str, Community],
                    classes: Mapping[str, type[Cog]], services: Services) -> list[Cog]:
        """Build and set up the cogs each community enables (they replace the running ones), route their
        jobs and publish their commands."""
        built: dict[str, list[Cog]] = {}
        for cc in config.communities:
            community = communities[cc.name]
            cogs: list[Cog] = [CoreCog(CogContext("core", community, CoreCog.settings_model(), services))]
            for name, section in cc.cog_sections().items():
                cogs.append(classes[name](CogContext(name, community, section, services)))
            built[cc.name] = cogs
        for cogs in built.values():
            for cog in cogs:
                await cog.setup()
        self.by_community = built
        await JobRouter(services.scheduler, self.cogs_of, services.clock).register(self.all(), communities)
        await self.publish(communities, services.platforms)
        return self.all()

    async def teardown(self) -> None:
        """Tear every instance down (before a reload replaces them, or at stop)."""
        for cog in self.all():
            await cog.teardown()

    async def publish(self, communities: Mapping[str, Community], platforms: Platforms) -> None:
        """Hand each platform the commands of each community scope it serves."""
        for community in communities.values():
            specs = self.commands_for(community)
            for platform, scope in community.scopes.items():
                adapter = platforms.get(platform)
                if adapter is not None:
                    await adapter.register_commands(scope, specs)
