"""Facts: what a feature did that others may care about, as frozen past-tense dataclasses.

How a cog uses it:

- Publish: ``await self.ctx.publish(CaseOpened(person=pid, number=3, action="warn"))``. The
  context fills in ``community`` and ``at``; the fact goes to one durable log (``core_facts``,
  through the batching writer) and to every handler of its type in the same community.
- Receive: decorate a method with ``@on(CaseOpened)`` (the same decorator as platform events);
  it gets the fact and may return actions. Handlers run in their own task after the publisher
  moves on, so a publisher holding ``ctx.lock(person)`` never waits on a receiver.
- Read back (analytics, back-filling a new cog): ``await ctx.facts(kinds=(CaseOpened,), since=...)``.
- A new fact type is a frozen, ``kw_only`` subclass of :class:`Fact` here in the core, named in
  the past tense, holding ids, numbers and short labels: never message text. Its fields must be
  JSON values (str, int, float, bool, None, lists and dicts of them; datetimes are written as
  ISO text). A payload that does not serialise, or is over :data:`MAX_PAYLOAD` bytes, is a
  programming error: the publisher logs it, drops the fact and chat continues.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, select

from bot.clock import utc
from bot.persons import PersonId
from bot.storage.base import UTCDateTime
from bot.storage.database import Database

log = logging.getLogger(__name__)

MAX_PAYLOAD = 2000
_BASE_FIELDS = frozenset({"community", "at", "person"})

_meta = MetaData()
facts_log = Table(
    "core_facts", _meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community", String(40), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("person_id", Integer),
    Column("at", UTCDateTime, nullable=False),
    Column("payload", JSON, nullable=False),
)


class FactError(ValueError):
    """A fact whose payload cannot go into the log."""


@dataclass(frozen=True, kw_only=True)
class Fact:
    """Base of every fact: the community, when, and the person it is about (if any)."""

    kinds: ClassVar[dict[str, type[Fact]]] = {}
    community: str = ""
    at: datetime | None = None
    person: PersonId | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Fact.kinds[cls.__name__] = cls

    @classmethod
    def kind(cls) -> str:
        """The name the log stores this fact under."""
        return cls.__name__

    def payload(self) -> dict[str, Any]:
        """The fact's own fields as JSON values; raises :class:`FactError` when they are not."""
        out: dict[str, Any] = {}
        for name in _own_fields(type(self)):
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, datetime) else value
        try:
            encoded = json.dumps(out, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise FactError(f"{self.kind()}: payload is not JSON ({exc})") from None
        if len(encoded) > MAX_PAYLOAD:
            raise FactError(f"{self.kind()}: payload is {len(encoded)} bytes (the log takes {MAX_PAYLOAD})")
        return out

    def stamped(self, community: str, now: datetime) -> Fact:
        """A copy with the community and time filled in where the publisher left them out."""
        return replace(self, community=self.community or community, at=utc(self.at or now))

    def row(self) -> dict[str, Any]:
        """The facts-log row of a stamped fact."""
        return {"community": self.community, "kind": self.kind(), "person_id": self.person,
                "at": self.at, "payload": self.payload()}


_OWN_FIELDS: dict[type, tuple[str, ...]] = {}  # a fact class -> its own field names (classes are few)


def _own_fields(cls: type[Fact]) -> tuple[str, ...]:
    """A fact class's own field names (the payload's keys), in order: worked out once per class."""
    names = _OWN_FIELDS.get(cls)
    if names is None:
        names = _OWN_FIELDS[cls] = tuple(f.name for f in fields(cls) if f.name not in _BASE_FIELDS)
    return names


def decode(kind: str, community: str, person: int | None, at: datetime, payload: dict[str, Any]) -> Fact | None:
    """A logged fact back as its class (None when the kind is unknown to this version)."""
    cls = Fact.kinds.get(kind)
    if cls is None:
        return None
    names = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for name, value in payload.items():
        if name not in names:
            continue  # a field a later version removed
        if isinstance(value, str) and "datetime" in str(names[name].type):
            value = datetime.fromisoformat(value)
        values[name] = value
    try:
        return cls(community=community, at=utc(at), person=None if person is None else PersonId(person), **values)
    except TypeError:
        log.warning("facts: a logged %s does not fit today's class; skipped", kind)
        return None


async def read(db: Database, community: str, *, kinds: tuple[type[Fact], ...] = (),
               since: datetime | None = None, person: PersonId | None = None,
               limit: int = 100_000) -> list[Fact]:
    """Logged facts of a community, oldest first (analytics, back-filling a new cog)."""
    query = select(facts_log).where(facts_log.c.community == community)
    if kinds:
        query = query.where(facts_log.c.kind.in_([k.kind() for k in kinds]))
    if since is not None:
        query = query.where(facts_log.c.at >= since)
    if person is not None:
        query = query.where(facts_log.c.person_id == person)
    async with db.session() as session:
        rows = (await session.execute(query.order_by(facts_log.c.at, facts_log.c.id).limit(limit))).all()
    out = []
    for r in rows:
        fact = decode(r.kind, r.community, r.person_id, r.at, dict(r.payload or {}))
        if fact is not None:
            out.append(fact)
    return out


# -- the vocabulary ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CaseOpened(Fact):
    """A moderation case was opened (``action``: warn, timeout, kick, ban, note...).

    ``at`` is when the case was opened (the action taken); ``moderator`` the person who took it (None when
    a rule did); ``incident_at`` when what it is about happened (the message, the report), so time to
    action is ``at - incident_at``. Both were added later: facts logged before them read back as None.
    """

    number: int
    action: str
    points: int = 0
    rule: str | None = None
    automatic: bool = False
    moderator: PersonId | None = None
    incident_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class CaseClosed(Fact):
    """A case ended early (``how``: revoked by a moderator, appeal accepted, unbanned...)."""

    number: int
    action: str
    how: str


@dataclass(frozen=True, kw_only=True)
class AppealFiled(Fact):
    """A member appealed a case."""

    number: int


@dataclass(frozen=True, kw_only=True)
class OnboardingStepDone(Fact):
    """A member finished an onboarding step (``step`` is its configured name)."""

    step: str


@dataclass(frozen=True, kw_only=True)
class RsvpChanged(Fact):
    """A member's answer to an event changed (``status``: going, maybe, no, waitlisted)."""

    event: str
    status: str


@dataclass(frozen=True, kw_only=True)
class AttendanceChecked(Fact):
    """Whether a member attended an event."""

    event: str
    attended: bool


@dataclass(frozen=True, kw_only=True)
class FeedbackCreated(Fact):
    """A piece of feedback was captured."""

    item: str
    category: str = ""


@dataclass(frozen=True, kw_only=True)
class FeedbackVoted(Fact):
    """A member voted on feedback (``vote`` +1 or -1)."""

    item: str
    vote: int


@dataclass(frozen=True, kw_only=True)
class FeedbackStatusChanged(Fact):
    """Feedback moved to a new status (planned, done, declined...)."""

    item: str
    status: str


@dataclass(frozen=True, kw_only=True)
class QuestionAsked(Fact):
    """A member asked a question in a watched channel."""

    channel: str
    message: str


@dataclass(frozen=True, kw_only=True)
class QuestionAnswered(Fact):
    """A question got its first answer, ``seconds`` after it was asked."""

    channel: str
    message: str
    seconds: float


@dataclass(frozen=True, kw_only=True)
class PromptPosted(Fact):
    """A scheduled prompt was posted (``occurrence`` is its calendar key)."""

    prompt: str
    occurrence: str


@dataclass(frozen=True, kw_only=True)
class PollClosed(Fact):
    """A poll closed with ``votes`` votes in total."""

    poll: str
    votes: int


@dataclass(frozen=True, kw_only=True)
class PreferenceChanged(Fact):
    """A member changed one of their preferences (``setting``: timezone, dm, language)."""

    setting: str


@dataclass(frozen=True, kw_only=True)
class EventRated(Fact):
    """An attendee rated an event 1–5 (``commented``: they left a comment, kept by the events cog)."""

    event: str
    rating: int
    commented: bool = False


@dataclass(frozen=True, kw_only=True)
class OnboardingStarted(Fact):
    """A member who joined began the community's welcome flow."""

    flow: str = "default"


@dataclass(frozen=True, kw_only=True)
class OnboardingAnswered(Fact):
    """A member answered an onboarding question with the ids of the options they chose.

    ``source`` marks the question that asks how they found the community: analytics reads its
    answer as the member's join source (promotion attribution) where no invite tells it.
    """

    question: str
    choices: list[str]
    source: bool = False


@dataclass(frozen=True, kw_only=True)
class OnboardingCompleted(Fact):
    """A member finished every required onboarding step, ``seconds`` after they joined."""

    seconds: float


@dataclass(frozen=True, kw_only=True)
class MemberGreeted(Fact):
    """A greeter (``greeter``, a person id) welcomed the member the fact is about."""

    greeter: int


@dataclass(frozen=True, kw_only=True)
class MemberVerified(Fact):
    """A moderator decided on a member held at the verification gate."""

    approved: bool


@dataclass(frozen=True, kw_only=True)
class KudosGiven(Fact):
    """The fact's person thanked another member (``to``, a person id)."""

    to: int
    points: int = 1


@dataclass(frozen=True, kw_only=True)
class AnnouncementPosted(Fact):
    """A scheduled or immediate announcement went out (``announcement`` is its id)."""

    announcement: str
