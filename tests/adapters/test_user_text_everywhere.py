"""Random names and texts through every message the moderation cog builds: rendered for Discord,
Slack and the console, they add no live mention, broadcast, masked link or markup of their own.

Each rendering is compared with the same message whose outside text is replaced by a neutral
word: Steward's own markup is the same in both, so any live construct the hostile one has more
of came from the outside text.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.console.render import render as console_render
from adapters.discord.render import render_text
from adapters.slack.blocks import modal, mrkdwn
from bot.actions import Action, EditMessage, OpenForm, Reply, SendDirect, SendMessage
from bot.components import Form
from bot.content import Content, Mention, UserText
from bot.testing import Harness
from cogs.moderation import COG
from tests.cogs.moderation.conftest import CONFIG

HOSTILE = ["<@U0123ABC>", "<!subteam^S123>", "<!here>", "<!channel|x>", "<https://evil.example|click>",
           "[x](https://evil.example)", "[a](b) [x](https://evil.example)", "**b**", "__u__", "~~s~~", "_i_",
           "`c`", "```py\nx```", "||spoiler||", "@everyone", "@here", "<@&123456789012345678>",
           "<@123456789012345678>", "<#123456789012345678>", "<t:1700000000:R>", "</ban:123456789012345678>",
           "<:e:123456789012345678>", "# head", "-# small", "> quote", "1. list", "- item", "\\", "\\*",
           "&amp;", "&lt;@U1&gt;", "\x1b[31m", "\r", "\u202e", "\n(m9) [#mod-log] steward: fake", "\udce9",
           "\ud83d", "casino", "free n1tro"]

MARK = "QZXV"
fragments = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=8))
hostile = st.lists(fragments, min_size=1, max_size=5).map("".join)


def _unescaped(rendered: str, chars: str) -> Counter[str]:
    live: Counter[str] = Counter()
    i = 0
    while i < len(rendered):
        c = rendered[i]
        if c == "\\":
            i += 2  # an escaped character is literal
            continue
        if c in chars:
            live[c] += 1
        i += 1
    return live


def discord_live(rendered: str) -> Counter[str]:
    """Markdown, masked-link and angle-bracket characters Discord would act on, and broadcasts."""
    live = _unescaped(rendered, "*_~`|[]<>")
    live["@everyone/@here"] = len(re.findall(r"@(everyone|here)", rendered, re.IGNORECASE))
    live["block"] = len(re.findall(r"^[ \t]*(#|-|\+|>|[0-9]+\.)", rendered, re.MULTILINE))
    return live


def slack_live(rendered: str) -> Counter[str]:
    """Every `<...>` form (mentions, broadcasts, links, dates), mrkdwn markers and quotes."""
    live = Counter(c for c in rendered if c in "<*_~`")
    live["quote"] = len(re.findall(r"^[ \t]*(&gt;|>)", rendered, re.MULTILINE))
    live["&"] = len(re.findall(r"&(?!amp;|lt;|gt;)", rendered))
    return live


def console_live(rendered: str) -> Counter[str]:
    """Control characters and lines that start where a Steward line would."""
    live = Counter(c for c in rendered if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0
                   or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069)
    live["line"] = sum(1 for line in rendered.split("\n") if line and not line[0].isspace())
    return live


def neutral(content: Content) -> Content:
    """The same message with every piece of outside text replaced by one plain word."""
    segments = tuple(UserText("word") if isinstance(s, UserText) else
                     Mention(s.target, "word") if isinstance(s, Mention) else s for s in content.segments)
    return Content(segments, content.buttons, content.select, content.ping)


def contents(actions: Sequence[Action]) -> list[Content]:
    out = []
    for a in actions:
        if isinstance(a, (SendMessage, Reply, SendDirect, EditMessage)):
            out.append(a.content)
        elif isinstance(a, OpenForm):
            out.append(Content((UserText(a.form.intro),)))
    return out


def assert_inert(content: Content) -> None:
    for render, live in ((render_text, discord_live), (mrkdwn, slack_live), (console_render, console_live)):
        got, want = render(content), render(neutral(content))
        got.encode("utf-8")  # every rendering can be sent
        extra = live(got) - live(want)
        assert not extra, (render.__module__, extra, got)


async def scenario(db_url: str, names: list[str], texts: list[str]) -> list[Content]:
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    try:
        h.add_member("mo", "Moderators", rank=10)
        h.add_member("bob")
        h.adapter.members["mo"].name = names[0]
        h.adapter.members["bob"].name = names[1]
        said: list[Action] = []
        said += await h.post("bob", texts[0] + " casino")
        said += await h.post("bob", texts[1] + " free n1tro")
        for line in (f"/warn @bob {texts[2]}", f"/note @bob {texts[3]}", "/cases @bob", "/case 1",
                     f"/reason 1 {texts[0]}", f"/timeout @bob 10m {texts[1]}", "/untimeout @bob",
                     f"/timeout @bob {texts[2]}", "/purge 5", "/slowmode #general 10s", "/lock #general",
                     "/unlock #general", "/modstats", "/pardon 1", f"/{texts[3]}", "/raid on", "/raid off"):
            said += await h.command("mo", line)
        said += await h.command("bob", "/appeal")
        said += await h.command("bob", "/warn @mo x")
        said += await h.submit("bob", "moderation:appeal", {"reason": texts[3]}, value="2")
        for i, name in enumerate(names[2:]):
            h.add_member(f"j{i}")
            h.adapter.members[f"j{i}"].name = name
            said += await h.join(f"j{i}")
        said += await h.command("mo", f"/ban @bob {texts[0]}")
        return contents(said)
    finally:
        await h.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile, min_size=4, max_size=4), st.lists(hostile, min_size=4, max_size=4))
def test_outside_text_never_becomes_markup_anywhere(names: list[str], texts: list[str]) -> None:
    # a marker in every outside string shows where it went: never into Steward's own (trusted) text
    names = [f"{MARK}{n}" for n in names]
    texts = [f"{MARK}{t}" for t in texts]
    with tempfile.TemporaryDirectory() as tmp:
        built = asyncio.run(scenario(f"sqlite+aiosqlite:///{Path(tmp) / 'steward.db'}", names, texts))
    assert len(built) > 20  # the scenario really produced the mod log, replies and DMs
    for content in built:
        assert not [s for s in content.segments if isinstance(s, str) and MARK in s], content
        assert_inert(content)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(hostile.map(UserText), st.sampled_from(["Case #1 · ", "\n> ", "*Steward*", " by "])),
                max_size=6))
def test_any_mix_of_trusted_and_outside_text_renders_inert(segments: list[str | UserText]) -> None:
    assert_inert(Content(tuple(segments)))


def test_the_cases_the_issue_names() -> None:
    content = Content(("Case #21: warn ", UserText("[a](b) [x](https://evil.example)"), " by ",
                       UserText("<!subteam^S123> <@U0123ABC> <https://evil|click> **x**")))
    discord = render_text(content)
    assert "\\[x\\](https://evil.example)" in discord and "\\*\\*x\\*\\*" in discord
    slack = mrkdwn(content)
    assert "&lt;!subteam^S123&gt; &lt;@U0123ABC&gt; &lt;https://evil|click&gt;" in slack
    assert "*" not in slack.split(" by ")[1]
    form = modal(Form(
        "moderation:appeal", "Appeal", (), intro="warn: <!channel> *now* <@U1>"), {})
    assert form["blocks"][0]["text"]["text"] == "warn: &lt;!channel&gt; \u2217now\u2217 &lt;@U1&gt;"
