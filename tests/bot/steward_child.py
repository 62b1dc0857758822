"""``steward run`` exactly as a user starts it, with discord.py pointed at the parent's fake Discord:
``python -m tests.bot.steward_child PORT run --config FILE`` (the only change is the two URLs)."""

from __future__ import annotations

import sys

import discord
import yarl

from steward.cli import main

if __name__ == "__main__":
    port = int(sys.argv[1])
    discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"  # type: ignore[misc]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/gateway")
    sys.exit(main(sys.argv[2:]))
