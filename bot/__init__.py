"""Steward's shared core: events, actions, commands, config, storage and scheduling."""

__version__ = "0.1.0"
