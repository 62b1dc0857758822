"""A Steward (real discord.py, moderation cog) against the parent's fake Discord, which kills
itself with SIGKILL at one step of the outbox: ``python -m tests.bot.outbox_child PORT CONFIG STEP KEY``.

STEP is ``staged`` (the job's transaction is not committed yet), ``sending`` (marked, not yet
sent) or ``sent`` (the platform answered, not yet marked done); KEY is the end of the entry key.
``none`` runs until terminated; ``after`` dies at the KEY-th step the outbox observes, whatever it is
(the kill loop of many expiries).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import discord
import yarl

from bot.outbox import Entry
from bot.runtime import Runtime
from steward.app import build_adapters, load
from steward.catalog import discover


async def main(port: int, config_path: str, step: str, key: str) -> None:
    discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"  # type: ignore[misc]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/gateway")
    catalog = discover()
    config = load(config_path, catalog)
    adapters, _console, clock = build_adapters(config, catalog)
    runtime = Runtime(config, cogs=catalog.cogs, adapters=adapters, clock=clock)

    seen = [0]

    def crash(at: str, entry: Entry) -> None:
        seen[0] += 1
        if (at == step and entry.key.endswith(key)) or (step == "after" and seen[0] == int(key)):
            os.kill(os.getpid(), signal.SIGKILL)

    runtime.effects.outbox.observers.append(crash)
    await runtime.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]))
