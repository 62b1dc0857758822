"""Settings of the Discord adapter (``platforms.discord``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, model_validator

from bot.config.types import Bool, Duration, IdText, PlatformSection, StrictModel
from bot.partitions import parse_ranges


class ShardRange(StrictModel):
    """Several processes split the shards: ``shards: {count: 8, ids: "0-3"}`` runs shards 0 to 3 of 8 here.

    Discord sends each server (guild) to one shard, ``(guild_id >> 22) % count``, so every event of
    a server reaches the one process running its shard. Without ``ids`` this process runs them all.
    """

    count: int = Field(ge=1, le=100_000)
    ids: str | None = None

    @model_validator(mode="after")
    def _ids_fit(self) -> ShardRange:
        if self.ids is not None:
            parse_ranges(self.ids, self.count)  # raises ValueError naming the bad part
        return self

    def shard_ids(self) -> list[int]:
        """The shards this process runs."""
        return parse_ranges(self.ids, self.count) if self.ids is not None else list(range(self.count))


class DiscordSettings(StrictModel):
    """An empty ``token`` means Discord is not configured and the adapter is not started."""

    token: str = ""
    shards: Literal["auto"] | int | ShardRange | None = Field(
        default=None, description="auto, a shard count, or {count, ids} for this process's part")
    ignore_bots: Bool = True
    # Privileged intents Steward asks for; turning one off disables the features that need it.
    message_content: Bool = True
    members: Bool = True
    ready_timeout: Duration = timedelta(seconds=60)
    # How long discord.py waits for the GUILD_CREATE stream before READY (its default is 2 s).
    guild_ready_timeout: float = Field(default=2.0, gt=0, le=60)
    # Answer an interaction with "thinking…" when the handler has not replied by then (Discord allows 3 s).
    defer_after: float = Field(default=2.0, gt=0, lt=3)
    # Circuit breaker: after this many 403s in a row in one guild, pause calls there for `breaker_cooldown`.
    breaker_threshold: int = Field(default=5, ge=1)
    breaker_cooldown: Duration = timedelta(minutes=5)
    # Edits of one message within this many seconds of the last collapse into one, the latest (a poll's card:
    # Discord allows about five edits per channel in five seconds).
    edit_window_seconds: float = Field(default=1.0, ge=0, le=60)


class DiscordCommunity(PlatformSection):
    """A community's Discord server (``discord: {guild: "1234..."}`` in the community)."""

    guild: IdText

    def scope(self) -> str:
        """The server (guild) id."""
        return self.guild
