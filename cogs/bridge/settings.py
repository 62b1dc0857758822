"""The ``bridge`` config section: which logical channels are relayed, and how long a message may be."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.config.types import Bool, LogicalChannel, StrictModel

# what each platform takes in one message (Discord's hard limit; Slack's advised one for readable posts)
DEFAULT_LIMITS = {"discord": 2000, "slack": 4000}
FALLBACK_LIMIT = 2000


class BridgeSettings(StrictModel):
    """Relay messages between the platforms' channels of each listed logical channel."""

    channels: list[LogicalChannel] = Field(min_length=1)  # keys of `channels` mapped per platform
    overflow: Literal["split", "truncate"] = "split"  # a message longer than the other side allows
    max_length: dict[str, int] = Field(default_factory=dict)  # per platform, over DEFAULT_LIMITS
    attachments: Bool = True  # relay attachments as links

    def limit(self, platform: str) -> int:
        """How many characters a relayed message may have on a platform."""
        return max(200, self.max_length.get(platform, DEFAULT_LIMITS.get(platform, FALLBACK_LIMIT)))
