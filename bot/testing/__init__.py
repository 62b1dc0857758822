"""Testing Steward through the real runtime: memory platforms and a harness that drives them."""

from bot.testing.harness import Harness, texts
from bot.testing.memory import FakeMember, MemoryAdapter, P, Scope

__all__ = ["FakeMember", "Harness", "MemoryAdapter", "P", "Scope", "texts"]
