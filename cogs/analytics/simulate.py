"""``steward simulate``: a realistic synthetic month, through the same code paths as real chat.

The configured cogs run on an in-memory platform (``simulated``) with a clock that moves hour by
hour from ``days`` ago to now: members join with a weekly rhythm, talk in the community's
channels, react, ask in the help channel and get answers, post in the feedback channel, now and
then trip a moderation rule, and some drift away and leave; every few days a spam account joins and
posts a scam line or two (so a month always has moderation in it, whatever the day it starts on).
Members from before the month arrive first, a few seconds apart on the clock (slower than the
raid guard counts as a raid: they are not raiders). Those are platform events handed to
the real dispatcher, so every cog reacts as it would (moderation opens cases, feedback captures
posts, analytics counts). What a cog that is not enabled would publish (onboarding steps,
question answers, event RSVPs, attendance and ratings) is published as that cog would, as facts.
A seeded random generator makes the month reproducible.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.actions import SendDirect
from bot.clock import ManualClock
from bot.events import ButtonPressed, MemberJoined, MemberLeft, MessagePosted, Origin, ReactionAdded
from bot.facts import (
    AttendanceChecked,
    EventRated,
    Fact,
    OnboardingAnswered,
    OnboardingCompleted,
    OnboardingStarted,
    QuestionAnswered,
    QuestionAsked,
    RsvpChanged,
)
from bot.persons import PersonId
from bot.refs import MessageRef, UserRef
from bot.testing.memory import FakeMember, MemoryAdapter

PLATFORM = "simulated"
LINES = ["good morning all", "has anyone tried the new release?", "thanks, that worked", "nice work on this",
         "I'm stuck on the setup, any hints?", "here's what I built this weekend", "+1 to that",
         "what time is the meetup?", "welcome!", "that link is really useful", "lol", "agreed",
         "I'll share my notes later", "which version are you on?", "love this community"]
FEEDBACK = ["please add dark mode", "export to csv would help", "the search is slow on mobile",
            "calendar sync with google", "bigger font option please", "keyboard shortcuts for the editor"]
SPAM = ["check out this casino", "free nitro here", "cheap casino bonus"]
SOURCES = ["friend", "search", "newsletter", "twitter", "meetup"]


@dataclass
class Member:
    """One simulated member: when they joined, how active they are and when they drift away."""

    name: str
    joined: datetime
    rate: float  # messages per active day
    fades: float  # days of interest
    person: PersonId | None = None
    left: bool = False


class Simulation:
    """Drives one community of a started runtime (on a :class:`MemoryAdapter`) through ``days``."""

    def __init__(self, runtime: Any, adapter: MemoryAdapter, clock: ManualClock, community: str, *,
                 members: int, days: int, seed: int, progress: Callable[[int, int, int], None] | None = None) -> None:
        self.runtime, self.adapter, self.clock, self.community = runtime, adapter, clock, community
        self.rng = random.Random(seed)
        self.days, self.n = days, members
        self.progress = progress
        self.events = 0
        self.recent: list[MessageRef] = []
        self.enabled = {c.name for c in runtime.cogs_of(community)}
        conf = runtime.communities[community].config
        # the simulated platform has the channels named the same everywhere (a logical channel that
        # differs per platform is not on it)
        self.help = conf.channel_on("help", PLATFORM)
        self.feedback = conf.channel_on("feedback", PLATFORM)
        quiet = {conf.channel_on(p, PLATFORM)
                 for p in ("help", "feedback", "modlog", "staff", "rules", "product", "welcome")}
        self.channels = sorted(conf.channel_names(PLATFORM) - quiet) or ["#general"]  # where people chat
        self.event_no = 0

    async def run(self) -> int:
        """Simulate every day; returns the events handed to the dispatcher."""
        start = self.clock.now()
        old = int(self.n * 0.55)  # members from before the month (they arrive at the start)
        people = [Member(f"member{i}", start - timedelta(days=self.rng.uniform(3, 300)),
                         self.rng.paretovariate(1.8) * 0.8, self.rng.choice([4, 10, 30, 120]) + 30)
                  for i in range(1, old + 1)]
        for i in range(old + 1, self.n + 1):
            while True:
                at = start + timedelta(seconds=self.rng.uniform(0, self.days * 86400))
                if self.rng.random() < (1.0 if at.weekday() >= 5 else 0.6):
                    break
            people.append(Member(f"member{i}", at, self.rng.paretovariate(1.8) * 0.8,
                                 self.rng.choice([2, 5, 14, 60])))
        gap = self.join_gap()
        for m in sorted(people[:old], key=lambda m: m.joined):
            await self.join(m, m.joined)
            await self.clock.advance(gap)
        spammers = 0
        for day in range(self.days):
            spam_hour = self.rng.randrange(24) if day % 3 == 2 else None
            for hour in range(24):
                await self.hour(people, start + timedelta(days=day, hours=hour), day)
                if hour == spam_hour:
                    spammers += 1
                    await self.spammer(f"spammer{spammers}", start + timedelta(days=day, hours=hour, minutes=30))
            if day % 4 == 1:
                await self.event(people, start + timedelta(days=day, hours=18))
            if self.progress is not None:
                self.progress(day + 1, self.days, self.events)
        await self.runtime.idle()
        return self.events

    def join_gap(self) -> timedelta:
        """How far apart members from before the month arrive: slower than a raid guard's count."""
        gap = timedelta(seconds=1)
        for cog in self.runtime.cogs_of(self.community):
            raid: Any = getattr(cog.ctx.settings, "raid", None)  # moderation's, by shape (cogs never import cogs)
            within, joins = getattr(raid, "within", None), getattr(raid, "joins", None)
            if getattr(raid, "enabled", False) and isinstance(within, timedelta) and isinstance(joins, int):
                gap = max(gap, within / max(1, joins - 1) + timedelta(seconds=1))
        return gap

    async def spammer(self, name: str, at: datetime) -> None:
        """A fresh account joins and posts a scam line or two in a chat channel."""
        m = Member(name, at, 0.0, 1.0)
        await self.join(m, at)
        for i in range(self.rng.randint(1, 2)):
            await self.post(m, at + timedelta(seconds=20 * (i + 1)), self.rng.choice(self.channels),
                            self.rng.choice(SPAM))

    async def hour(self, people: list[Member], at: datetime, day: int) -> None:
        if at > self.clock.now():  # (members from before the month may have taken the clock past it)
            await self.clock.advance(at - self.clock.now())  # due work (reminders, reports) runs on the way
        for m in people:
            if m.left:
                continue
            if m.person is None:
                if m.joined < at + timedelta(hours=1):
                    await self.join(m, m.joined)
                continue
            age = (at - max(m.joined, at - timedelta(days=self.days + 1))).total_seconds() / 86400
            if age > m.fades * 2 and self.rng.random() < 0.002:
                await self.send(MemberLeft(**self.base(at), member=self.user(m), name=m.name))
                m.left = True
                continue
            # past their interest, long-timers slow down and most newcomers who only looked around stop
            slower = 1.0 if age <= m.fades else 0.35 if m.fades >= 14 else 0.03
            interest = m.rate * slower / 24 * (0.7 if at.weekday() >= 5 else 1.0)
            while self.rng.random() < interest:
                interest -= 1
                await self.talk(m, at + timedelta(minutes=self.rng.uniform(0, 59)))
        await self.runtime.idle()

    async def join(self, m: Member, at: datetime) -> None:
        self.adapter.world(self.community).members[m.name] = FakeMember(m.name, joined_at=at)
        before = len(self.adapter.performed)
        await self.send(MemberJoined(**self.base(at), member=self.user(m), name=m.name, account_created_at=at))
        m.person = await self.runtime.members.persons.get(self.community, self.user(m))
        if "onboarding" in self.enabled:
            await self.onboard(m, at, before)
        else:
            await self.publish(OnboardingStarted(person=m.person), at)
            if self.rng.random() < 0.8:
                await self.publish(OnboardingAnswered(person=m.person, question="source",
                                                      choices=[self.rng.choice(SOURCES)], source=True), at)
            if self.rng.random() < 0.65:
                await self.publish(OnboardingCompleted(person=m.person, seconds=self.rng.uniform(60, 900)),
                                   at + timedelta(minutes=15))

    async def onboard(self, m: Member, at: datetime, seen: int) -> None:
        """Walk the onboarding cog's steps as a member does: on each card it sends them, pick one to three
        choices (buttons that toggle, then the last one, Done; or a select) minutes apart; about one in
        twelve stops on the way."""
        for _step in range(8):
            await self.runtime.idle()
            sent = [a for a in self.adapter.performed[seen:] if isinstance(a, SendDirect) and a.user == self.user(m)
                    and (a.content.buttons or a.content.select is not None)]
            seen = len(self.adapter.performed)
            if not sent or self.rng.random() < 0.08:
                return
            content = sent[-1].content
            origin = Origin(PLATFORM, self.community, self.user(m))
            at += timedelta(minutes=self.rng.uniform(0.5, 4))
            if content.select is not None:
                chosen = self.rng.sample(content.select.options, min(len(content.select.options),
                                                                      self.rng.randint(1, 3)))
                await self.send(ButtonPressed(**self.base(at), origin=origin, action=content.select.action,
                                              value=content.select.value, values=tuple(o.value for o in chosen)))
                continue
            *choices, last = content.buttons
            for button in [*self.rng.sample(choices, min(len(choices), self.rng.randint(1, 2))), last]:
                await self.send(ButtonPressed(**self.base(at), origin=origin, action=button.action, value=button.value))
                await self.runtime.idle()

    async def talk(self, m: Member, at: datetime) -> None:
        roll = self.rng.random()
        if roll < 0.004:
            await self.post(m, at, self.rng.choice(self.channels), self.rng.choice(SPAM))
        elif roll < 0.01 and self.feedback:
            await self.post(m, at, self.feedback, self.rng.choice(FEEDBACK))
        elif roll < 0.08 and self.help:
            ref = await self.post(m, at, self.help, "how do I " + self.rng.choice(["install", "upgrade", "log in"])
                                  + "?")
            if "engagement" not in self.enabled and m.person is not None:
                await self.publish(QuestionAsked(person=m.person, channel=self.help, message=ref.id), at)
                if self.rng.random() < 0.85:
                    wait = self.rng.lognormvariate(6.3, 1.1)
                    await self.publish(QuestionAnswered(person=m.person, channel=self.help, message=ref.id,
                                                        seconds=wait), at + timedelta(seconds=wait))
        elif roll < 0.3 and self.recent:
            await self.send(ReactionAdded(**self.base(at), message=self.rng.choice(self.recent[-50:]),
                                          user=self.user(m), emoji=self.rng.choice(["👍", "🎉", "❤️"])))
        else:
            reply = self.rng.choice(self.recent[-20:]) if self.recent and self.rng.random() < 0.3 else None
            await self.post(m, at, self.rng.choice(self.channels), self.rng.choice(LINES), reply)

    async def event(self, people: list[Member], at: datetime) -> None:
        """An event's RSVPs, attendance and ratings, as the events cog publishes them."""
        self.event_no += 1
        present = [m for m in people if m.person is not None and not m.left]
        for m in self.rng.sample(present, min(len(present), self.rng.randint(8, 40))):
            assert m.person is not None
            status = self.rng.choices(["going", "maybe", "no"], [70, 20, 10])[0]
            await self.publish(RsvpChanged(person=m.person, event=str(self.event_no), status=status),
                               at - timedelta(days=1))
            if status == "going":
                came = self.rng.random() < 0.65
                await self.publish(AttendanceChecked(person=m.person, event=str(self.event_no), attended=came), at)
                if came and self.rng.random() < 0.5:
                    await self.publish(EventRated(person=m.person, event=str(self.event_no),
                                                  rating=self.rng.choices([2, 3, 4, 5], [5, 15, 40, 40])[0]),
                                       at + timedelta(hours=2))

    # -- plumbing ---------------------------------------------------------------------------

    def user(self, m: Member) -> UserRef:
        return UserRef(PLATFORM, m.name)

    def base(self, at: datetime) -> dict[str, Any]:
        self.events += 1
        return {"platform": PLATFORM, "scope": self.community, "event_id": f"sim{self.events}", "occurred_at": at}

    async def send(self, event: Any) -> None:
        await self.runtime.handle(event)

    async def post(self, m: Member, at: datetime, channel: str, text: str,
                   reply_to: MessageRef | None = None) -> MessageRef:
        ref = MessageRef(PLATFORM, channel.lstrip("#"), f"s{self.events + 1}")
        self.adapter.exists(ref)
        await self.send(MessagePosted(**self.base(at), message=ref, author=self.user(m), author_name=m.name,
                                      text=text, channel_name=channel, reply_to=reply_to))
        self.recent.append(ref)
        del self.recent[:-200]
        return ref

    async def publish(self, fact: Fact, at: datetime) -> None:
        await self.runtime.facts.publish(fact.stamped(self.community, at))


def bar(done: int, total: int, events: int) -> None:
    """``simulating [########............] day 12/30, 4,812 events`` on standard error."""
    filled = int(20 * done / total)
    end = "\n" if done == total else ""
    print(f"\rsimulating [{'#' * filled}{'.' * (20 - filled)}] day {done}/{total}, {events:,} events",
          end=end, file=sys.stderr, flush=True)
