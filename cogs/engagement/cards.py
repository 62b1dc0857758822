"""What the engagement cog shows, without I/O: prompts, poll cards and results, staff posts, leaderboards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.components import Button
from bot.content import Content, Mention, Moment, Segment, UserText, fmt
from bot.refs import RoleRef, UserRef
from cogs.engagement.store import Poll, PromptStat, Thanked
from cogs.engagement.tally import bar, counts, winners
from cogs.engagement.terms import Trend

VOTE = "engagement:vote"
MAX_NAMES = 10  # voters named under an option of a poll that is not anonymous


def prompt_content(template: str, prompt: str, *, at: datetime, tz: ZoneInfo, number: int) -> Content:
    """A prompt in its schedule's template: the template is the admin's markup, the prompt is text."""
    local = at.astimezone(tz)
    fill = {"date": f"{local:%a} {local.day} {local:%b %Y}", "weekday": f"{local:%A}", "number": str(number)}
    segments: list[Segment] = []
    for i, piece in enumerate(template.split("{prompt}")):
        if i:
            segments.append(UserText(prompt))
        for name, value in fill.items():
            piece = piece.replace("{" + name + "}", value)
        if piece:
            segments.append(piece)
    return Content(tuple(segments))


def thread_title(template: str, name: str, at: datetime, tz: ZoneInfo) -> str:
    """A prompt's thread name (at most 100 characters, Discord's limit)."""
    local = at.astimezone(tz)
    title = template.replace("{name}", name).replace("{date}", f"{local.day} {local:%b %Y}")
    return title[:100] or name


def poll_card(poll: Poll, ballots: dict[int, frozenset[int]], voters: Sequence[tuple[int, UserRef]]) -> Content:
    """The live card: question, a bar per option, when it closes, one button per option while open."""
    tally = counts(ballots, len(poll.options))
    total_people = len([b for b in ballots.values() if b])
    segments: list[Segment] = [*fmt("📊 Poll #{n}: ", n=poll.number).segments, UserText(poll.question), "\n"]
    for i, option in enumerate(poll.options):
        segments += [UserText(option), *fmt(" — {n} · ", n=tally[i]).segments, bar(tally[i], sum(tally))]
        if not poll.anonymous:
            names = [u for o, u in voters if o == i][:MAX_NAMES]
            if names:
                segments.append(" · ")
                for j, user in enumerate(names):
                    segments += ([", "] if j else []) + [Mention(user, user.id)]
                more = sum(1 for o, _ in voters if o == i) - len(names)
                if more > 0:
                    segments += fmt(" and {n} more", n=more).segments
        segments.append("\n")
    segments += fmt("{n} voter(s) · ", n=total_people).segments
    segments.append("several choices each" if poll.multiple else "one vote each")
    segments.append(", anonymous · " if poll.anonymous else " · ")
    if poll.closed:
        segments += ["closed ", Moment(poll.closed_at or poll.closes_at, "F")]
        return Content(tuple(segments))
    segments += ["closes ", Moment(poll.closes_at, "F"), " · press again to take a vote back"]
    buttons = tuple(Button(o[:80], VOTE, f"{poll.id}:{i}", "primary") for i, o in enumerate(poll.options))
    return Content(tuple(segments), buttons=buttons)


def poll_results(poll: Poll, ballots: dict[int, frozenset[int]]) -> Content:
    """The post at close: a bar per option, most votes first, and the winner (or the tie)."""
    tally = counts(ballots, len(poll.options))
    total = sum(tally)
    segments: list[Segment] = [*fmt("🏁 Poll #{n} closed: ", n=poll.number).segments, UserText(poll.question), "\n"]
    for i in sorted(range(len(poll.options)), key=lambda i: (-tally[i], i)):
        segments += [bar(tally[i], total), " ", UserText(poll.options[i]), *fmt(" ({n})\n", n=tally[i]).segments]
    top = winners(tally)
    if not top:
        segments.append("No votes were cast.")
    elif len(top) == 1:
        segments += ["Winner: ", UserText(poll.options[top[0]]),
                     *fmt(" with {n} of {t} vote(s).", n=tally[top[0]], t=total).segments]
    else:
        segments.append("A tie between ")
        for j, i in enumerate(top):
            segments += ([" and "] if j else []) + [UserText(poll.options[i])]
        segments += fmt(", {n} vote(s) each.", n=tally[top[0]]).segments
    return Content(tuple(segments))


def prompt_report(stats: Sequence[PromptStat], tz: ZoneInfo) -> Content:
    """/engagement prompts: which prompts get replies."""
    if not stats:
        return Content(("No prompt has been posted yet.",))
    segments: list[Segment] = ["Prompts by replies per post (best first):\n"]
    for s in stats[:20]:
        per = s.replies / max(s.posts, 1)
        segments += [*fmt("{per:.1f} replies/post · {r} in {p} post(s) · ", per=per, r=s.replies, p=s.posts).segments,
                     UserText(s.schedule), ": ",
                     UserText(s.label), " · last ", Moment(s.last, "D", tz), "\n"]
    return Content(tuple(segments))


def hot_topics(trends: Sequence[Trend], window: str, baseline: int) -> Content:
    """The staff post of trending terms, with message counts."""
    span = "today" if window == "day" else "this week"
    unit = "days" if window == "day" else "weeks"
    usual = fmt("the {n} {unit} before", n=baseline, unit=unit) if baseline > 1 else \
        Content(("the day before" if window == "day" else "the week before",))
    if not trends:
        return Content(("🔥 Hot topics ", span, ": nothing stands out against ", *usual.segments, "."))
    segments: list[Segment] = ["🔥 Hot topics ", span, " (messages, against ", *usual.segments, "):\n"]
    for i, t in enumerate(trends, 1):
        segments += [*fmt("{i}. “", i=i).segments, UserText(t.term),
                     *fmt("” — {n} message(s), usually {u:.1f}\n", n=t.count, u=t.usual).segments]
    return Content(tuple(segments))


def ping_helpers(role: RoleRef, role_name: str, asker: UserRef, minutes: int) -> Content:
    """The one ping for a question nobody answered."""
    return Content((Mention(role, role_name), ": this question from ", Mention(asker, asker.id),
                    *fmt(" has had no answer for {n} minute(s). Can someone help?", n=minutes).segments), ping=(role,))


def board(title: str, rows: Sequence[Thanked]) -> Content:
    """A kudos leaderboard."""
    if not rows:
        return Content((title, "\nNo kudos yet. Thank someone with /kudos @member for ..."))
    segments: list[Segment] = [title, "\n"]
    for i, row in enumerate(rows, 1):
        segments += [*fmt("{i}. ", i=i).segments, Mention(row.user, row.name or row.user.id),
                     *fmt(" — {n} kudos\n", n=row.kudos).segments]
    return Content(tuple(segments))
