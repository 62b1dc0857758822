"""What a person types on the console: the grammar's help text, the banner and the name rules."""

from __future__ import annotations

import re

NAME = re.compile(r"[A-Za-z0-9_.-]{1,32}")
LINE = re.compile(r"^([^\s:]{1,64}):\s?(.*)$", re.DOTALL)
CHANNEL = re.compile(r"#[a-z0-9_-]{1,100}")
ATTACHMENT = re.compile(r"\[file ([^\]\s]{1,200})\]\s*")
CONTINUE = "\\"  # a line ending in a backslash continues on the next line

GRAMMAR = (
    "NAME: TEXT              member NAME posts TEXT in the current channel (a new name joins first)",
    "NAME: first line \\      a line ending in \\ continues the message on the next line",
    "NAME: [file setup.exe] TEXT   NAME posts TEXT with a file attached (several [file …] may lead)",
    "NAME: /command args     NAME invokes a command (/help lists them)",
    "NAME: press m12 2       NAME presses the 2nd button (or option) of message m12",
    "NAME: react m12 👍      NAME reacts to message m12",
    "NAME: value / cancel    while a form is open for NAME: answers its next field, or closes it",
    "#channel                switches the current channel (a new one is created)",
    "+NAME / -NAME           a member joins / leaves",
    ":role NAME ROLE         gives NAME a role (:role mo Moderators)",
    ":name NAME SHOWN        changes NAME's display name (:name bob B0b_Support)",
    ":time +2h               moves the clock forward; work that came due runs, each at its time",
    ":help / :quit           this list / stop (so does the end of a piped script, or Ctrl-D)",
)


def banner(version: str, community: str, bot_name: str) -> list[str]:
    """Who Steward is, the grammar in three lines and how to quit (a terminal only)."""
    return [
        f"Steward {version} — community operations for Discord and Slack, here on the console "
        f"(community {community}, Steward speaks as `{bot_name}`). You type as every member:",
        "  alice: hello   alice: /help   alice: press m3 1   alice: react m3 👍   (post, command, button, reaction)",
        "  #help   +bob   -bob   :role mo Moderators   :name bob B0b   :time +2h   (channel, join, leave, role, "
        "name, clock)",
        "  :help shows the whole grammar; :quit or Ctrl-D quits.",
    ]


def name_problem(name: str, *, example: str = "+bob") -> str | None:
    """Why ``name`` can't be a console member's name, or None (``example`` shows the right form)."""
    if not name:
        return f"a member needs a name, e.g. `{example}`"
    if not NAME.fullmatch(name):
        return f"`{name[:40]}` can't be a member name: use 1–32 letters, digits, `_`, `.` or `-`"
    return None


def channel_problem(name: str) -> str | None:
    """Why ``name`` (with its ``#``) can't be a channel, or None; the hint shows the closest valid name."""
    if name == "#":
        return "`#name` switches channel, e.g. `#general`"
    if CHANNEL.fullmatch(name):
        return None
    suggestion = re.sub(r"[^a-z0-9_-]+", "-", name[1:].lower()).strip("-")[:100]
    hint = f" — try #{suggestion}" if suggestion else ""
    return f"channel names are lower-case letters, digits, `-` and `_`, with no spaces{hint}"
