"""The core's shape: it names no platform, and no module in it grows into a god object."""

from __future__ import annotations

import re
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"


def test_the_core_names_no_platform() -> None:
    named = [f"{p.relative_to(BOT)}:{n}" for p in BOT.rglob("*.py")
             for n, line in enumerate(p.read_text().splitlines(), 1) if re.search(r"\"(discord|slack)\"", line)]
    assert named == []


def test_the_runtime_only_wires_and_no_core_module_is_large() -> None:
    sizes = {str(p.relative_to(BOT)): len(p.read_text().splitlines()) for p in BOT.rglob("*.py")}
    assert sizes["runtime.py"] < 150  # wiring only
    assert {name: n for name, n in sizes.items() if n > 400} == {}
