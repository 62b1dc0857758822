"""The events package exports its cog, so Steward discovers and loads it, CLI included."""

from __future__ import annotations

import cogs.events
from steward.catalog import discover


def test_the_cog_is_exported_and_discovered() -> None:
    assert cogs.events.COG.name == "events"
    catalog = discover()
    assert catalog.cogs["events"] is cogs.events.COG
    assert hasattr(catalog.cog_modules["events"], "register_cli")
    assert any(p.name == "versions" and "events" in str(p) for p in catalog.migrations())
