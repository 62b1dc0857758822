"""The console adapter: Steward in a terminal, for newcomers, scripts and end-to-end tests."""

from adapters.console.adapter import ConsoleAdapter
from adapters.console.settings import ConsoleSettings

PLATFORM = "console"
SETTINGS = ConsoleSettings

__all__ = ["PLATFORM", "SETTINGS", "ConsoleAdapter", "ConsoleSettings"]
