"""The identity cog: ``/link``, ``/link CODE``, ``/unlink`` and the moderators' ``/links``.

Linking merges the two accounts' persons with the core's merge (every enabled cog moves its
rows, one transaction per cog); the person of the account that asked for the code is kept.
Unlinking gives the account that entered the code a person of its own again: what was recorded
until then cannot be split by platform (cog rows carry a person, not an account), so it stays
with the kept account, and only preferences are copied to the new person.
"""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action, Reply, SendDirect
from bot.cog import Cog, command
from bot.content import Content, fmt, text
from bot.durations import format_duration
from bot.events import CommandInvoked
from bot.permissions import Level
from bot.persons import PersonConflict, PersonId
from bot.refs import UserRef
from bot.signatures import Arg
from cogs.identity import codes, rules, store
from cogs.identity.settings import IdentitySettings
from cogs.identity.store import Link

_REFUSED = {
    "already-linked": "These two accounts are already linked: they are one member here.",
    "same-platform": "Enter the code on your other platform: it was made on {platform}, where you are now.",
    "issuer-taken": "The account that made this code is already linked to a {here} account. "
                    "Use /unlink there first if you want to link this one instead.",
    "redeemer-taken": "This account is already linked to a {other} account. Use /unlink first if you want "
                      "to link a different one.",
}


class IdentityCog(Cog):
    """Links a member's accounts on the community's platforms into one person."""

    name = "identity"
    settings_model = IdentitySettings
    migrations = Path(__file__).parent / "migrations" / "versions"

    @command("link", "Link your accounts on this community's platforms: /link gives a code, "
                     "/link CODE on the other platform uses it.")
    async def link(self, event: CommandInvoked,
                   code: Annotated[str, Arg("the code /link gave you on your other platform")] | None = None
                   ) -> Action | list[Action]:
        """Issue a code, or redeem one."""
        if code is None or not code.strip():
            return await self._issue(event)
        return await self._redeem(event, code)

    async def _issue(self, event: CommandInvoked) -> Reply:
        settings: IdentitySettings = self.settings
        others = [p for p in self.ctx.platforms() if p != event.platform]
        if not others:
            return Reply(origin=event.origin, content=text(
                "This community runs on one platform only here, so there is nothing to link."))
        person = await self.ctx.person(event.user)
        held = {u.platform for u in await self.ctx.services.members.persons.accounts_of(person)}
        if all(p in held for p in others):
            return Reply(origin=event.origin, content=fmt(
                "Your accounts are already linked ({platforms}). Use /unlink to undo it.",
                platforms=", ".join(sorted(held))))
        code = codes.new_code()
        now = self.ctx.now()
        async with self.ctx.db.session() as session, session.begin():
            await store.issue(session, self.ctx.community.name, event.user, person,
                              codes.digest(self.ctx.community.name, codes.normalise(code) or ""), now,
                              settings.code_lifetime)
        return Reply(origin=event.origin, content=fmt(
            "Your link code is {code}. On {other}, type /link {code} within {minutes} — it works once. "
            "Don't give it to anyone: whoever enters it becomes you here.", code=code,
            other=" or ".join(p for p in others if p not in held), minutes=format_duration(settings.code_lifetime)))

    async def _redeem(self, event: CommandInvoked, typed: str) -> Action | list[Action]:
        settings: IdentitySettings = self.settings
        community, now = self.ctx.community.name, self.ctx.now()
        async with self.ctx.db.session() as session:
            recent = await store.misses(session, community, event.user, now - settings.wrong_window)
        if len(recent) >= settings.wrong_codes:
            wait = timedelta(seconds=max(1, math.ceil((recent[0] + settings.wrong_window - now).total_seconds())))
            return Reply(origin=event.origin, content=fmt(
                "Too many wrong codes from this account. Try again in {wait}, with a fresh code from /link.",
                wait=format_duration(wait)))
        normal = codes.normalise(typed)
        if normal is None:
            return Reply(origin=event.origin, content=text(
                "That isn't a link code: a code looks like K7M-Q4P. Type /link on your other platform to get one."))
        async with self.ctx.db.session() as session, session.begin():
            found = await store.find_code(session, community, codes.digest(community, normal))
            if found is None or found.used or found.expires_at <= now:
                if found is None:
                    await store.add_miss(session, community, event.user, now, settings.wrong_window)
                    left = settings.wrong_codes - len(recent) - 1
                    return Reply(origin=event.origin, content=fmt(
                        "That code is wrong. Check it, or get a new one with /link on your other platform "
                        "({left} more tries in the next {window}).", left=left,
                        window=format_duration(settings.wrong_window)))
                return Reply(origin=event.origin, content=text(
                    "That code was already used: a code links once. Type /link on your other platform for a new one."
                    if found.used else
                    "That code has expired. Type /link on your other platform for a new one."))
        return await self._join(event, found.id, found.issuer)

    async def _join(self, event: CommandInvoked, code_id: int, issuer: UserRef) -> Action | list[Action]:
        persons = self.ctx.services.members.persons
        community, now = self.ctx.community.name, self.ctx.now()
        kept = await self.ctx.person(issuer)
        joining = await self.ctx.person(event.user)
        if kept == joining:
            same = "already-linked" if issuer != event.user else "same-platform"
            return Reply(origin=event.origin, content=fmt(_REFUSED[same], platform=issuer.platform))
        first, second = sorted((kept, joining))  # one order everywhere: two links at once can't deadlock
        async with self.ctx.lock(first), self.ctx.lock(second):
            kept_platforms = {u.platform for u in await persons.accounts_of(kept)}
            joining_platforms = {u.platform for u in await persons.accounts_of(joining)}
            why = rules.refusal(issuer, kept_platforms, event.user, joining_platforms, same_person=kept == joining)
            if why is not None:
                other = sorted(joining_platforms - {event.platform})
                return Reply(origin=event.origin, content=fmt(_REFUSED[why], platform=issuer.platform,
                                                              here=event.platform,
                                                              other=" and ".join(other) or issuer.platform))
            async with self.ctx.db.session() as session, session.begin():
                if not await store.use_code(session, code_id, now):
                    return Reply(origin=event.origin, content=text(
                        "That code was already used: a code links once. Type /link on your other platform "
                        "for a new one."))
            try:
                report = await self.ctx.services.members.merge(joining, kept)
            except PersonConflict as exc:
                return Reply(origin=event.origin, content=fmt("Those accounts can't be linked: {why}.", why=str(exc)))
            if not report.ok:
                return Reply(origin=event.origin, content=fmt(
                    "Linking stopped half way: {failed} could not move its records (logged); nothing else is "
                    "lost. Ask for a new code with /link and enter it again to finish.",
                    failed=", ".join(report.failed)))
            async with self.ctx.db.session() as session, session.begin():
                number = await store.record_link(session, community, kept, issuer, event.user, now)
        moved = sum(report.rows.values())
        here = await self._label(event.user)
        there = await self._label(issuer)
        answer = Reply(origin=event.origin, content=fmt(
            "Linked (link #{n}): your {p1} account {a} and your {p2} account {b} are one member here now; "
            "{rows} record(s) moved. /unlink undoes it.", n=number, p1=event.platform, a=here, p2=issuer.platform,
            b=there, rows=moved))
        notice = SendDirect(user=issuer, scope=self.ctx.scope(issuer.platform) if issuer.platform in
                            self.ctx.community.scopes else "", content=fmt(
            "Your account here was linked to the {platform} account {name} (link #{n}). "
            "If that wasn't you, type /unlink and tell a moderator.", platform=event.platform, name=here, n=number))
        return [answer, notice] if issuer.platform in self.ctx.community.scopes else [answer]

    @command("unlink", "Undo a link between your accounts (moderators: give a member to undo theirs).")
    async def unlink(self, event: CommandInvoked,
                     member: Annotated[UserRef, Arg("whose link to undo (moderators)")] | None = None,
                     level: Level = Level.MEMBER) -> Reply | list[Action]:
        """Split the account that entered the code off again."""
        target = event.user if member is None else member
        if member is not None and member != event.user and level < Level.MODERATOR:
            return Reply(origin=event.origin, content=text(
                "Only moderators can undo someone else's link; /unlink on its own undoes yours."))
        community = self.ctx.community.name
        async with self.ctx.db.session() as session:
            link = await store.active_link(session, community, target)
        if link is None:
            whose = "Your accounts aren't" if member is None else "That member's accounts aren't"
            return Reply(origin=event.origin, content=fmt("{whose} linked: there is nothing to undo.",
                                                          whose=text(whose)))
        person = await self.ctx.person(link.kept)
        async with self.ctx.lock(person):
            try:
                await self.ctx.services.members.detach(community, link.joined)
            except PersonConflict:
                pass  # the accounts were split another way already: the record just closes
            by = "self" if member is None else f"{event.user.platform}:{event.user.id}"
            async with self.ctx.db.session() as session, session.begin():
                await store.end_link(session, community, link.number, by, self.ctx.now())
        answer = fmt(
            "Unlinked (link #{n}): the {p2} account {b} is a member of its own again and starts afresh. "
            "What was recorded until now — warnings, cases, votes, RSVPs — stays with the {p1} account {a}: "
            "Steward can't tell which platform each record came from, so it can't split them back. "
            "Preferences were copied to both.", n=link.number, p2=link.joined.platform,
            b=await self._label(link.joined), p1=link.kept.platform, a=await self._label(link.kept))
        actions: list[Action] = [Reply(origin=event.origin, content=answer)]
        if member is not None:
            actions.extend(await self._modlog_note(fmt("{mod} undid link #{n} ({p1} {a} ↔ {p2} {b}).",
                                                       mod=await self._label(event.user), n=link.number,
                                                       p1=link.kept.platform, a=await self._label(link.kept),
                                                       p2=link.joined.platform, b=await self._label(link.joined))))
        return actions

    @command("links", "List the linked accounts of this community.", level=Level.MODERATOR)
    async def links(self, event: CommandInvoked) -> Reply:
        """Active links, newest first."""
        async with self.ctx.db.session() as session:
            found = await store.links(session, self.ctx.community.name)
        if not found:
            return Reply(origin=event.origin, content=text("No accounts are linked here."))
        lines = [await self._line(link) for link in found]
        return Reply(origin=event.origin, content=fmt(
            "Linked accounts ({n}); undo one with /unlink @member:\n{lines}", n=len(found),
            lines=Content(tuple(seg for i, line in enumerate(lines)
                                for seg in ((("\n",) if i else ()) + line.segments)))))

    async def _line(self, link: Link) -> Content:
        return fmt("  #{n} {p1} {a} ↔ {p2} {b}, since {when}", n=link.number, p1=link.kept.platform,
                   a=await self._label(link.kept), p2=link.joined.platform, b=await self._label(link.joined),
                   when=self.ctx.when(link.linked_at))

    async def _label(self, user: UserRef) -> str:
        info = await self.ctx.member(user)
        return info.label if info is not None else user.id

    async def _modlog_note(self, content: Content) -> list[Action]:
        await self.ctx.modlog(content)
        return []

    async def merge_persons(self, session: AsyncSession, source: PersonId, into: PersonId) -> int:
        """Links and open codes follow the person."""
        return await store.merge_persons(session, source, into)

    async def delete_member_data(self, session: AsyncSession, person: PersonId) -> int:
        """Codes and link records of the person go (wrong-code counts are per account and expire)."""
        return await store.delete_member(session, person)
