"""Feedback: capture what members say, find duplicates, vote, triage, rank, and hand it to the product team."""

from cogs.feedback.cog import FeedbackCog
from cogs.feedback.export import register_cli
from cogs.feedback.settings import FeedbackSettings

COG = FeedbackCog

__all__ = ["COG", "FeedbackCog", "FeedbackSettings", "register_cli"]
