"""Bridge: a channel on Discord and one on Slack, relayed both ways as one conversation."""

from cogs.bridge.cog import BridgeCog
from cogs.bridge.settings import BridgeSettings

COG = BridgeCog

__all__ = ["COG", "BridgeCog", "BridgeSettings"]
