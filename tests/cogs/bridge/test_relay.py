"""The relay text on the real renderers: no ping survives; any text fits the other side's limit."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from adapters.discord.render import allowed_mentions, render_text
from adapters.slack.blocks import mrkdwn
from cogs.bridge import relay

HOSTILE = "@everyone @here <!channel> <!here> <@U0ADMIN> <@&123456789012345678> [x](https://evil) **now**"


def test_a_relay_renders_without_any_ping_on_discord_and_slack() -> None:
    [content] = relay.compose("m@llory <!channel>", "slack", HOSTILE, 2000).parts
    discord_text = render_text(content)
    assert "@everyone" not in discord_text and "@here" not in discord_text
    assert re.search(r"(?<!\\)<[@!#]", discord_text) is None  # every mention form escaped: \<@…
    mentions = allowed_mentions(content)
    assert mentions.everyone is False and not mentions.users and not mentions.roles
    slack_text = mrkdwn(content)
    assert "<!channel>" not in slack_text and "<!here>" not in slack_text and "<@U0ADMIN>" not in slack_text
    assert "&lt;!channel&gt;" in slack_text


@given(st.text(max_size=3000), st.integers(200, 4000), st.sampled_from(["split", "truncate"]))
def test_any_text_is_cut_to_fit_escaped_and_split_keeps_every_character(text: str, limit: int, mode: str) -> None:
    made = relay.compose("alice", "discord", text, limit, overflow=mode)
    for part in made.parts:
        assert len(render_text(part)) <= limit and len(mrkdwn(part)) <= limit
    if mode == "split" and len(made.parts) > 1:
        assert "".join(p.plain().split("): ", 1)[1] for p in made.parts) == text
    if mode == "truncate":
        assert len(made.parts) == 1
