"""Onboarding: welcome flows that turn people who join into members who take part.

The cog (``cog``) composes ``journey``, ``presses`` and ``admin``; the pure logic has no I/O
(``flow``: positions, what is left, nudges, welcome bursts, the funnel) and ``settings`` is the
config section, checked at load (templates, step names, options, zones, roles and channels).
"""

from cogs.onboarding.cog import OnboardingCog
from cogs.onboarding.settings import OnboardingSettings

COG = OnboardingCog

__all__ = ["COG", "OnboardingCog", "OnboardingSettings"]
