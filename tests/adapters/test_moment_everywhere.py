"""One message with a time, rendered by each adapter's own renderer side by side."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from adapters.console.render import render as console
from adapters.discord.render import render_text
from adapters.slack.blocks import mrkdwn
from bot.content import Content, Moment, UserText

AT = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
MESSAGE = Content(("Town hall ", Moment(AT, tz=ZoneInfo("Europe/London")), " — ",
                   Moment(AT, "R", tz=ZoneInfo("Europe/London")), " ", UserText("<by ann>")))


def test_the_same_message_on_discord_slack_and_the_console() -> None:
    assert render_text(MESSAGE) == "Town hall <t:1782892800:F> — <t:1782892800:R> \\<by ann\\>"
    assert mrkdwn(MESSAGE) == ("Town hall <!date^1782892800^{date_long_pretty} at {time}|Wed 1 Jul 2026, 09:00 BST>"
                               " — <!date^1782892800^{ago}|Wed 1 Jul 2026, 09:00 BST> &lt;by ann&gt;")
    assert console(MESSAGE) == "Town hall Wed 1 Jul 2026, 09:00 BST — Wed 1 Jul 2026, 09:00 BST <by ann>"


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
       st.sampled_from(["F", "D", "t", "R", "bogus"]))
def test_any_moment_renders_everywhere(at: datetime, style: str) -> None:
    content = Content((Moment(at, style, ZoneInfo("America/New_York")),))
    assert render_text(content).startswith(f"<t:{int(at.timestamp())}:")
    assert mrkdwn(content).startswith(f"<!date^{int(at.timestamp())}^")
    assert console(content) == content.plain()
