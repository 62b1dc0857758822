"""Engagement: scheduled prompts, polls, announcements, unanswered-question and hot-topic watchers, kudos.

The cog (``cog``) composes ``prompts``, ``polls``, ``watch``, ``announce`` and ``recognition``; the
pure logic has no I/O: the prompt rotation (``rotation``), poll arguments and ballots (``tally``),
question detection (``questions``), trending terms (``terms``), thank-you detection (``kudos``),
announcement times (``when``) and what is shown (``cards``).
"""

from cogs.engagement.cog import EngagementCog

COG = EngagementCog

__all__ = ["COG", "EngagementCog"]
