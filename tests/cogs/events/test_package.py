"""The events package holds only pure logic for now: it exports no cog, so Steward does not load it."""

from __future__ import annotations

import cogs.events
from steward.catalog import discover


def test_no_cog_is_exported_or_loaded_yet() -> None:
    assert not hasattr(cogs.events, "COG")
    assert "not built yet" in (cogs.events.__doc__ or "")
    catalog = discover()
    assert "events" not in catalog.cogs
    assert "moderation" in catalog.cogs  # discovery itself works
