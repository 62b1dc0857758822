"""Analytics: activity counters (never message text), KPIs, charts, the weekly report and `steward report`."""

from cogs.analytics.cli import register_cli
from cogs.analytics.cog import AnalyticsCog
from cogs.analytics.settings import AnalyticsSettings

COG = AnalyticsCog

__all__ = ["COG", "AnalyticsCog", "AnalyticsSettings", "register_cli"]
