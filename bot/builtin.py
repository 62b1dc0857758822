"""Core commands every community has: /help, /about, /reload."""

from __future__ import annotations

from bot import __version__
from bot.actions import Reply
from bot.cog import Cog, command
from bot.content import fmt, text
from bot.dispatcher import help_content
from bot.events import CommandInvoked
from bot.permissions import Level


class CoreCog(Cog):
    """Built-in commands."""

    name = "core"

    @command("help", "List the commands you can use.")
    async def help(self, event: CommandInvoked) -> Reply:
        """List commands by the invoker's level."""
        level = await self.ctx.level_of(event.user)
        return Reply(origin=event.origin, content=help_content(self.ctx.commands(), level))

    @command("about", "What Steward is and which features are on here.")
    async def about(self, event: CommandInvoked) -> Reply:
        """Version and enabled features."""
        cogs = sorted(self.ctx.community.config.cog_sections())
        features = ", ".join(cogs) if cogs else "core commands only"
        return Reply(origin=event.origin, content=fmt(
            "Steward {version} — community operations for Discord and Slack.\n"
            "Community: {name}. Features on: {features}.", version=__version__, name=self.ctx.community.name,
            features=features))

    @command("reload", "Re-read the config file (keeps the running one on error).", level=Level.ADMIN)
    async def reload(self, event: CommandInvoked) -> Reply:
        """Reload and report."""
        problems = await self.ctx.services.reload()
        if problems and not all(p.startswith("platform and storage") for p in problems):
            body = "\n".join(f"  {p}" for p in problems[:15])
            return Reply(origin=event.origin, content=fmt(
                "Config not reloaded — the running config stays in force:\n{body}", body=body))
        extra = fmt(" ({p})", p=problems[0]) if problems else text("")
        return Reply(origin=event.origin, content=fmt("Config reloaded{extra}.", extra=extra))
