"""Member preferences kept by the core: time zone, DMs on/off, language (a placeholder for now).

How a cog uses it: ``prefs = await self.ctx.preferences(pid)`` gives a :class:`Preferences`;
``await self.ctx.zone_of(pid)`` the zone to show that member times in (theirs, else the
community's). Members set them with ``/settings`` (the core cog). Cogs need not check
``dms`` themselves: the runtime turns a :class:`~bot.actions.SendDirect` to someone with DMs
off into a channel message mentioning only them.
"""

from __future__ import annotations

import difflib
import functools
from collections import OrderedDict
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, select, update

from bot.batched import Batched
from bot.persons import PersonId
from bot.storage.database import Database

_meta = MetaData()
preferences = Table(
    "core_preferences", _meta,
    Column("person_id", Integer, primary_key=True),  # references core_persons (the migration holds the FK)
    Column("timezone", String(64)),
    Column("dms", Boolean, nullable=False, default=True),
    Column("language", String(16)),
)


@dataclass(frozen=True, slots=True)
class Preferences:
    """One member's preferences; the defaults apply until they change one."""

    timezone: str | None = None
    dms: bool = True
    language: str | None = None


DEFAULT = Preferences()


@functools.cache
def _zones() -> dict[str, str]:
    return {z.lower(): z for z in available_timezones() if "/" in z or z == "UTC"}


def find_zone(name: str) -> tuple[str | None, list[str]]:
    """An IANA zone by name (any case), or None and up to three close matches."""
    key = name.strip().lower().replace(" ", "_")
    zones = _zones()
    if key in zones:
        return zones[key], []
    close = difflib.get_close_matches(key, list(zones), n=3, cutoff=0.6)
    if not close:  # "berlin" -> "Europe/Berlin": match the city part alone
        close = [z for z in zones if z.rsplit("/", 1)[-1] == key][:3]
    return None, [zones[c] for c in close]


class PreferenceStore:
    """Reads and writes preferences, with a small cache (the DM check reads them per DM)."""

    def __init__(self, db: Database, *, cache_size: int = 50_000) -> None:
        self.db = db
        self.cache_size = cache_size
        self._cache: OrderedDict[int, Preferences] = OrderedDict()
        self._loader: Batched[PersonId, Preferences] = Batched(self._get_many)

    async def get(self, person: PersonId) -> Preferences:
        """A person's preferences (the defaults when they set none)."""
        hit = self._cache.get(person)
        if hit is not None:
            return hit
        return await self._loader.get(person)

    async def _get_many(self, people: list[PersonId]) -> dict[PersonId, Preferences]:
        """Many persons' preferences in one query (a wave's DMs each read their member's)."""
        async with self.db.session() as session:
            rows = (await session.execute(select(preferences).where(preferences.c.person_id.in_(people)))).all()
        found = {PersonId(int(row.person_id)): Preferences(row.timezone, bool(row.dms), row.language) for row in rows}
        # a value ``set`` while this query ran is newer than the row it read: keep the cached one
        return {person: self._cache.get(person) or self._remember(person, found.get(person, DEFAULT))
                for person in people}

    async def set(self, person: PersonId, **changes: object) -> Preferences:
        """Change some of a person's preferences (``timezone=``, ``dms=``, ``language=``)."""
        current = await self.get(person)
        new = replace(current, **changes)  # type: ignore[arg-type]
        values = {"timezone": new.timezone, "dms": new.dms, "language": new.language}
        async with self.db.session() as session, session.begin():
            done = await session.execute(update(preferences).where(preferences.c.person_id == person)
                                         .values(**values))
            if not done.rowcount:  # type: ignore[attr-defined]
                await session.execute(preferences.insert().values(person_id=person, **values))
        return self._remember(person, new)

    def forget(self, person: PersonId) -> None:
        """Drop a cached entry (after the row was deleted or moved)."""
        self._cache.pop(person, None)

    def _remember(self, person: PersonId, prefs: Preferences) -> Preferences:
        self._cache[person] = prefs
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return prefs


def zone(prefs: Preferences, fallback: ZoneInfo) -> ZoneInfo:
    """The member's zone, else ``fallback`` (the community's)."""
    return ZoneInfo(prefs.timezone) if prefs.timezone else fallback
