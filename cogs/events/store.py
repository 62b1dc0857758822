"""The events cog's queries. ORM rows stay here; callers get frozen values and pure-logic objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import utc
from bot.persons import PersonId
from bot.refs import UserRef
from cogs.events.draft import Draft
from cogs.events.models import CANCELLED, OPEN, DeliveryRow, DraftRow, EventRow, PersonalRow, RsvpRow
from cogs.events.recurrence import Move, Series
from cogs.events.rsvp import Roster, Standing, State, withdraw


@dataclass(frozen=True, slots=True)
class Event:
    """An event as the cog sees it."""

    id: int
    number: int
    title: str
    description: str
    place: str
    tz: ZoneInfo
    series: Series
    capacity: int | None
    offsets: tuple[timedelta, ...]
    state: str
    creator: PersonId
    cards: dict[str, list[str]]
    native: str
    generation: int
    sequence: int

    @property
    def cancelled(self) -> bool:
        """The whole event is cancelled."""
        return self.state == CANCELLED


@dataclass(frozen=True, slots=True)
class Answerer:
    """Someone who answered one occurrence, and the account to reach them on."""

    person: PersonId
    user: UserRef
    standing: Standing
    attended: str
    rating: int | None


@dataclass(frozen=True, slots=True)
class Personal:
    """A personal reminder."""

    id: int
    person: PersonId
    user: UserRef
    channel_id: str
    note: str
    next_at: datetime
    rule: str | None
    tz: ZoneInfo


def _key(at: datetime) -> str:
    return utc(at).isoformat()


def _event(row: EventRow) -> Event:
    tz = ZoneInfo(row.tz)
    moves = tuple(Move(datetime.fromisoformat(str(k)), datetime.fromisoformat(str(s)), timedelta(seconds=int(d)))
                  for k, s, d in row.moves or [])
    series = Series(start=utc(row.start).astimezone(tz), duration=timedelta(seconds=row.duration_s), rule=row.rule,
                    cancelled=frozenset(datetime.fromisoformat(k) for k in row.cancelled or []), moves=moves)
    return Event(id=row.id, number=row.number, title=row.title, description=row.description, place=row.place,
                 tz=tz, series=series, capacity=row.capacity,
                 offsets=tuple(timedelta(seconds=s) for s in row.offsets or []), state=row.state,
                 creator=PersonId(row.creator), cards=dict(row.cards or {}), native=row.native,
                 generation=row.generation, sequence=row.sequence)


def series_columns(series: Series) -> dict[str, object]:
    """The columns that hold a series."""
    return {"start": utc(series.start), "duration_s": int(series.duration.total_seconds()), "rule": series.rule,
            "tz": series.tz.key, "cancelled": sorted(_key(k) for k in series.cancelled),
            "moves": [[_key(m.key), _key(m.start), int(m.duration.total_seconds())] for m in series.moves]}


async def create(session: AsyncSession, community: str, *, title: str, description: str, place: str,
                 series: Series, capacity: int | None, offsets: tuple[timedelta, ...], creator: PersonId,
                 now: datetime) -> Event:
    """A new event with the community's next number."""
    for _ in range(5):
        number = int((await session.execute(select(func.coalesce(func.max(EventRow.number), 0))
                                            .where(EventRow.community == community))).scalar_one()) + 1
        row = EventRow(community=community, number=number, title=title, description=description, place=place,
                       capacity=capacity, offsets=[int(o.total_seconds()) for o in offsets], state=OPEN,
                       creator=int(creator), cards={}, native="", generation=0, sequence=0, created_at=now,
                       **series_columns(series))
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError:  # two creations raced for one number
            continue
        return _event(row)
    raise RuntimeError("could not number the event")


async def by_number(session: AsyncSession, community: str, number: int) -> Event | None:
    """An event by its number here."""
    row = (await session.execute(select(EventRow).where(EventRow.community == community,
                                                        EventRow.number == number))).scalar_one_or_none()
    return None if row is None else _event(row)


async def by_id(session: AsyncSession, event_id: int) -> Event | None:
    """An event by its row id."""
    row = await session.get(EventRow, event_id)
    return None if row is None else _event(row)


async def by_native(session: AsyncSession, community: str, native: str) -> Event | None:
    """The event a platform's native event mirrors (its platform id), or None."""
    row = (await session.execute(select(EventRow).where(EventRow.community == community,
                                                        EventRow.native == native))).scalars().first()
    return None if row is None or not native else _event(row)


async def all_open(session: AsyncSession, community: str) -> list[Event]:
    """Every event of a community that is not cancelled, by number."""
    rows = (await session.execute(select(EventRow).where(EventRow.community == community, EventRow.state == OPEN)
                                  .order_by(EventRow.number))).scalars()
    return [_event(r) for r in rows]


async def change(session: AsyncSession, event_id: int, **values: object) -> None:
    """Update columns of an event (``series=`` writes a series)."""
    series = values.pop("series", None)
    if isinstance(series, Series):
        values.update(series_columns(series))
    if "offsets" in values:
        values["offsets"] = [int(o.total_seconds()) for o in values["offsets"]]  # type: ignore[attr-defined]
    await session.execute(update(EventRow).where(EventRow.id == event_id).values(**values))


async def bump(session: AsyncSession, event_id: int) -> int:
    """A new plan generation for the event (its pending reminders of older ones are void)."""
    await session.execute(update(EventRow).where(EventRow.id == event_id)
                          .values(generation=EventRow.generation + 1, sequence=EventRow.sequence + 1))
    return int((await session.execute(select(EventRow.generation).where(EventRow.id == event_id))).scalar_one())


# -- RSVPs ------------------------------------------------------------------------------------


async def answerers(session: AsyncSession, event_id: int, occurrence: datetime) -> list[Answerer]:
    """Everyone who answered one occurrence, in list order."""
    rows = (await session.execute(select(RsvpRow).where(RsvpRow.event_id == event_id,
                                                        RsvpRow.occurrence == utc(occurrence))
                                  .order_by(RsvpRow.position, RsvpRow.id))).scalars()
    return [Answerer(PersonId(r.person_id), UserRef(r.platform, r.user_id), Standing(r.standing), r.attended,
                     r.rating) for r in rows]


def roster_of(event: Event, people: list[Answerer], state: State = State.OPEN) -> Roster[PersonId]:
    """The RSVP state machine's view of one occurrence."""
    def of(standing: Standing) -> tuple[PersonId, ...]:
        return tuple(a.person for a in people if a.standing is standing)
    return Roster(capacity=event.capacity, going=of(Standing.GOING), waitlist=of(Standing.WAITLISTED),
                  maybe=of(Standing.MAYBE), not_going=of(Standing.NOT_GOING), state=state)


async def save_roster(session: AsyncSession, event_id: int, occurrence: datetime, roster: Roster[PersonId],
                      accounts: dict[PersonId, UserRef], now: datetime) -> None:
    """Write a roster back: each person's standing and place; people no longer on it are removed."""
    rows = {PersonId(r.person_id): r for r in (await session.execute(
        select(RsvpRow).where(RsvpRow.event_id == event_id, RsvpRow.occurrence == utc(occurrence)))).scalars()}
    placed: dict[PersonId, tuple[Standing, int]] = {}
    for standing, people in ((Standing.GOING, roster.going), (Standing.WAITLISTED, roster.waitlist),
                             (Standing.MAYBE, roster.maybe), (Standing.NOT_GOING, roster.not_going)):
        for index, person in enumerate(people):
            placed[person] = (standing, index)
    for person, row in rows.items():
        if person not in placed:
            await session.delete(row)
    for person, (standing, index) in placed.items():
        found = rows.get(person)
        if found is None:
            user = accounts[person]
            session.add(RsvpRow(event_id=event_id, occurrence=utc(occurrence), person_id=int(person),
                                platform=user.platform, user_id=user.id, standing=standing.value, position=index,
                                attended="", comment="", updated_at=now))
        elif found.standing != standing.value or found.position != index:
            found.standing, found.position, found.updated_at = standing.value, index, now
    await session.flush()


async def rekey(session: AsyncSession, event_id: int, old: datetime, new: datetime) -> None:
    """Move one occurrence's answers to another occurrence key (a series re-timed as a whole)."""
    await session.execute(update(RsvpRow).where(RsvpRow.event_id == event_id, RsvpRow.occurrence == utc(old))
                          .values(occurrence=utc(new)))


async def mark(session: AsyncSession, event_id: int, occurrence: datetime, person: PersonId, user: UserRef,
               now: datetime, *, attended: str | None = None, rating: int | None = None,
               comment: str | None = None) -> bool:
    """Record a check-in or a rating; a walk-in gets a row (standing ``none``). False if nothing changed."""
    row = (await session.execute(select(RsvpRow).where(
        RsvpRow.event_id == event_id, RsvpRow.occurrence == utc(occurrence),
        RsvpRow.person_id == int(person)))).scalar_one_or_none()
    if row is None:
        row = RsvpRow(event_id=event_id, occurrence=utc(occurrence), person_id=int(person), platform=user.platform,
                      user_id=user.id, standing=Standing.NONE.value, position=10**6, attended="", comment="",
                      updated_at=now)
        session.add(row)
    before = (row.attended, row.rating, row.comment)
    if attended is not None and not row.attended:
        row.attended = attended
    if rating is not None:
        row.rating = rating
    if comment is not None:
        row.comment = comment
    row.updated_at = now
    await session.flush()
    return before != (row.attended, row.rating, row.comment)


async def delivered(session: AsyncSession, key: str, now: datetime) -> bool:
    """Claim one delivery key in this transaction; False if it was delivered before."""
    if await session.get(DeliveryRow, key) is not None:
        return False
    session.add(DeliveryRow(key=key, at=now))
    await session.flush()
    return True


async def claim(session: AsyncSession, keys: list[str], now: datetime) -> set[str]:
    """Claim many delivery keys in this transaction (one read, one insert); returns those not delivered before."""
    seen: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        seen |= set((await session.execute(select(DeliveryRow.key).where(DeliveryRow.key.in_(chunk)))).scalars())
    fresh = [k for k in dict.fromkeys(keys) if k not in seen]
    if fresh:
        await session.execute(insert(DeliveryRow), [{"key": k, "at": now} for k in fresh])
    return set(fresh)


def interest_key(event_id: int, occurrence: datetime, person: PersonId) -> str:
    """The mark (kept among the delivery keys) that a member's Maybe came from native interest."""
    return f"interest:{event_id}:{utc(occurrence):%Y%m%dT%H%M%SZ}:{int(person)}"


async def from_interest(session: AsyncSession, key: str) -> bool:
    """Whether that Maybe came from marking interest on the native event."""
    return await session.get(DeliveryRow, key) is not None


async def set_from_interest(session: AsyncSession, key: str, marked: bool, now: datetime) -> None:
    """Note (or forget) that the member's Maybe came from native interest, in this transaction."""
    row = await session.get(DeliveryRow, key)
    if marked and row is None:
        session.add(DeliveryRow(key=key, at=now))
    elif not marked and row is not None:
        await session.delete(row)
    await session.flush()


# -- drafts -----------------------------------------------------------------------------------


def draft_json(draft: Draft) -> dict[str, object]:
    """A draft as stored: its start in its zone, the rest as plain values (a new series has no exceptions)."""
    return {"title": draft.title, "place": draft.place, "description": draft.description,
            "start": utc(draft.series.start).isoformat(), "tz": draft.series.tz.key,
            "duration_s": int(draft.series.duration.total_seconds()), "rule": draft.series.rule,
            "capacity": draft.capacity, "offsets": [int(o.total_seconds()) for o in draft.offsets],
            "confirmation": draft.confirmation}


def draft_of(data: dict[str, object]) -> Draft:
    """A stored draft read back exactly."""
    series = Series.create(datetime.fromisoformat(str(data["start"])), ZoneInfo(str(data["tz"])),
                           timedelta(seconds=int(str(data["duration_s"]))),
                           str(data["rule"]) if data.get("rule") else None)
    capacity = data.get("capacity")
    offsets = data.get("offsets")
    return Draft(str(data["title"]), str(data["place"]), str(data["description"]), series,
                 int(str(capacity)) if capacity is not None else None,
                 tuple(timedelta(seconds=int(o)) for o in (offsets if isinstance(offsets, list) else [])),
                 str(data["confirmation"]))


async def put_draft(session: AsyncSession, community: str, person: PersonId, draft: Draft, now: datetime) -> None:
    """Keep a member's draft (replacing the one before)."""
    row = await session.get(DraftRow, (int(person), community))
    if row is None:
        session.add(DraftRow(person_id=int(person), community=community, draft=draft_json(draft), created_at=now))
    else:
        row.draft, row.created_at = draft_json(draft), now
    await session.flush()


async def get_draft(session: AsyncSession, community: str, person: PersonId) -> Draft | None:
    """A member's draft, or None."""
    row = await session.get(DraftRow, (int(person), community))
    return None if row is None else draft_of(row.draft)


async def drop_draft(session: AsyncSession, community: str, person: PersonId) -> Draft | None:
    """Take a member's draft away (created or discarded); None if there was none."""
    row = await session.get(DraftRow, (int(person), community))
    if row is None:
        return None
    await session.delete(row)
    await session.flush()
    return draft_of(row.draft)


# -- personal reminders -----------------------------------------------------------------------


def _personal(row: PersonalRow) -> Personal:
    return Personal(row.id, PersonId(row.person_id), UserRef(row.platform, row.user_id), row.channel_id, row.note,
                    utc(row.next_at), row.rule, ZoneInfo(row.tz))


async def add_personal(session: AsyncSession, community: str, person: PersonId, user: UserRef, channel_id: str,
                       note: str, at: datetime, rule: str | None, tz: ZoneInfo, now: datetime) -> Personal:
    """Store a personal reminder."""
    row = PersonalRow(community=community, person_id=int(person), platform=user.platform, user_id=user.id,
                      channel_id=channel_id, note=note, next_at=at, rule=rule, tz=tz.key, created_at=now)
    session.add(row)
    await session.flush()
    return _personal(row)


async def personal_of(session: AsyncSession, community: str, person: PersonId) -> list[Personal]:
    """A member's pending reminders, soonest first."""
    rows = (await session.execute(select(PersonalRow).where(PersonalRow.community == community,
                                                            PersonalRow.person_id == int(person))
                                  .order_by(PersonalRow.next_at, PersonalRow.id))).scalars()
    return [_personal(r) for r in rows]


async def personal(session: AsyncSession, reminder_id: int) -> Personal | None:
    """A personal reminder by id."""
    row = await session.get(PersonalRow, reminder_id)
    return None if row is None else _personal(row)


async def move_personal(session: AsyncSession, reminder_id: int, at: datetime) -> None:
    """A repeating reminder's next time."""
    await session.execute(update(PersonalRow).where(PersonalRow.id == reminder_id).values(next_at=at))


async def drop_personal(session: AsyncSession, reminder_id: int) -> None:
    """Delete a personal reminder."""
    await session.execute(delete(PersonalRow).where(PersonalRow.id == reminder_id))


# -- persons ----------------------------------------------------------------------------------


async def merge_persons(session: AsyncSession, source: PersonId, into: PersonId) -> int:
    """Re-key RSVPs and reminders; where both answered one occurrence, the kept person's row stays."""
    moved = 0
    rows = (await session.execute(select(RsvpRow).where(RsvpRow.person_id == int(source)))).scalars().all()
    for row in rows:
        clash = (await session.execute(select(RsvpRow.id).where(
            RsvpRow.event_id == row.event_id, RsvpRow.occurrence == row.occurrence,
            RsvpRow.person_id == int(into)))).first()
        if clash is None:
            row.person_id = int(into)
        else:
            await session.delete(row)
        moved += 1
    result = await session.execute(update(PersonalRow).where(PersonalRow.person_id == int(source))
                                   .values(person_id=int(into)))
    await session.execute(update(EventRow).where(EventRow.creator == int(source)).values(creator=int(into)))
    return moved + int(result.rowcount)  # type: ignore[attr-defined]


async def delete_member(session: AsyncSession, person: PersonId,
                        now: datetime) -> tuple[int, list[tuple[int, Answerer]]]:
    """Erase a member's RSVPs, ratings and personal reminders; a seat they held goes to the head of
    its waitlist. Returns the rows erased and who was promoted (to be told)."""
    seats = (await session.execute(select(RsvpRow.event_id, RsvpRow.occurrence).where(
        RsvpRow.person_id == int(person), RsvpRow.standing == Standing.GOING.value))).all()
    a = await session.execute(delete(RsvpRow).where(RsvpRow.person_id == int(person)))
    b = await session.execute(delete(PersonalRow).where(PersonalRow.person_id == int(person)))
    await session.execute(delete(DraftRow).where(DraftRow.person_id == int(person)))
    promoted: list[tuple[int, Answerer]] = []
    for event_id, occurrence in seats:
        event = await by_id(session, event_id)
        if event is None or event.cancelled:
            continue
        people = await answerers(session, event_id, occurrence)
        before = roster_of(event, people)
        after = withdraw(before, person).roster  # already gone: withdraw only promotes
        await save_roster(session, event_id, occurrence, after, {x.person: x.user for x in people}, now)
        promoted += [(event_id, x) for x in people if x.person in after.going and x.person not in before.going]
    return int(a.rowcount) + int(b.rowcount), promoted  # type: ignore[attr-defined]
