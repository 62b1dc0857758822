"""Moderation: automatic rules, escalation, cases, appeals and anti-raid."""

from cogs.moderation.cli import register_cli
from cogs.moderation.cog import ModerationCog

COG = ModerationCog

__all__ = ["COG", "ModerationCog", "register_cli"]
