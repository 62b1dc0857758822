"""Loading and validating Steward's one YAML file."""

from bot.config.errors import ConfigError, ConfigIssue
from bot.config.loader import load_config, load_config_text
from bot.config.models import CommunityConfig, StewardConfig
from bot.config.types import Bool, ChannelName, Duration, RoleName, StrictModel

__all__ = [
    "Bool",
    "ChannelName",
    "CommunityConfig",
    "ConfigError",
    "ConfigIssue",
    "Duration",
    "RoleName",
    "StewardConfig",
    "StrictModel",
    "load_config",
    "load_config_text",
]
