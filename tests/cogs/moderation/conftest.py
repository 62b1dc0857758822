"""A Harness with the moderation cog and a config close to the issue's example."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.testing import Harness
from cogs.moderation import COG

CONFIG = """
communities:
  - name: acme
    roles: {moderator: [Moderators], admin: [Admins], partner: [Partners]}
    channels: {modlog: "#mod-log", general: "#general", events: "#events"}
    commands: {per_member: 50, window: 10s}
    moderation:
      rules:
        - name: banned-words
          words: [casino, freenitro]
          words_file: wordlists/scam.txt
          allow: [casinos-royale-club]
          actions: [delete, {warn: 1}]
        - name: scam-patterns
          regex: ['fr[e3]{2}\\s*n[i1]tro', 'steam\\s*gift\\s*card']
          actions: [delete, alert]
        - name: invites
          links: {invites: true}
          exempt_roles: [Partners]
          actions: [delete]
        - name: mention-spam
          mentions: {max: 5}
          actions: [delete, {timeout: 10m}]
        - name: scam-links
          links: {scam_domains: true}
          actions: [delete, {ban: 7d}]
        - name: flood
          flood: {messages: 5, within: 10s}
          actions: [delete, {timeout: 5m}]
        - name: shouting
          caps: {ratio: 0.8, min_length: 12}
          shadow: true
          actions: [delete]
        - name: events-only
          words: [spoilers]
          channels: ["#events"]
          actions: [delete]
        - name: bad-names
          words: [official support]
          targets: [names]
          actions: [kick]
      escalation:
        expire_after: 30d
        thresholds: {3: {timeout: 1h}, 5: kick, 8: ban}
      raid:
        joins: 4
        within: 1m
        action: kick
        slowmode: 30s
        lock: true
        channels: ["#general"]
        ends_after: 10m
"""


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    harness.add_member("mo", "Moderators", rank=10)
    harness.add_member("boss", "Admins", rank=20)
    yield harness
    await harness.close()
