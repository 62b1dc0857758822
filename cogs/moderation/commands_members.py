"""Moderator commands that act on a member: /warn /timeout /untimeout /kick /ban /unban /purge."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from bot.actions import Action, BulkDelete, DeleteMessage, RemoveTimeout, UnbanMember
from bot.capabilities import Capability
from bot.cog import command
from bot.commands import Param, ParamType
from bot.content import CommandMention, Content, fmt, text
from bot.durations import DurationError, format_duration, parse_duration
from bot.events import CommandInvoked
from bot.permissions import Level
from bot.refs import UserRef
from bot.signatures import Arg
from cogs.moderation import repository as repo
from cogs.moderation.actions import MAX_TIMEOUT, TOO_LONG, ActionSpec
from cogs.moderation.base import ModerationBase
from cogs.moderation.enforce import WHAT

MEMBER = Param("member", ParamType.MEMBER, "who")
REASON = Param("reason", ParamType.TEXT, "why (the member sees it)", required=False)


class MemberCommands(ModerationBase):
    """Manual punishments; each is a case, a mod-log post and a DM."""

    async def _manual(self, event: CommandInvoked, member: UserRef, spec: ActionSpec, reason: str | None,
                      capability: Capability | None) -> list[Action]:
        async with self.one_at_a_time(member):
            return await self._manual_locked(event, member, spec, reason, capability)

    async def _manual_locked(self, event: CommandInvoked, member: UserRef, spec: ActionSpec, reason: str | None,
                             capability: Capability | None) -> list[Action]:
        refusal = await self.command_refusal(event, member, capability)
        if refusal is not None:
            return [refusal]
        kind = spec.kind
        if kind in ("timeout", "kick") and await self.ctx.member(member) is None:
            # a case is a record of something that happened: nobody to time out or kick here
            return [self.reply(event, fmt("Not done: {who} is not a member here, so there is nobody to {verb}.",
                                          who=member.id, verb="time out" if kind == "timeout" else "kick"))]
        target, actor = await self.target(member), await self.target(event.user)
        why = reason or "no reason given"
        if kind in ("timeout", "ban"):
            await self.supersede_active(member, kind, actor.name)  # a new timeout/ban replaces the running one
        acts, note = await self.punish(target, spec, f"{actor.name}: {why}")
        span = f" for {format_duration(spec.duration)}" if spec.duration else ""
        # Staged with the case, not returned: the platform may still refuse (a 403 past Steward's own
        # checks), and then the case, the mod log and the moderator must say so, not "done".
        case = await self.open_case(target, kind, reason=why, actor=actor, points=spec.points,
                                    duration=spec.duration, note=note,
                                    effects=lambda c: self.case_effects(c, acts, tell=WHAT[kind] + span,
                                                                        post=self.case_content(c)))
        case = await self.refused(case, acts)
        note = case.note
        await self.mirror_ban(case, manual=True)
        out: list[Action] = []
        if spec.points:
            out.extend(await self.escalate(target, spec.points, None))
        out.append(self.reply(event, fmt("Case #{n}: {kind} {who}{span}.{note}", n=case.number, kind=kind,
                                  who=target.name, span=span, note=fmt(" Note: {x}", x=note) if note else "")))
        return out

    @command("warn", "Warn a member (1 point unless you give more).", level=Level.MODERATOR)
    async def warn(self, event: CommandInvoked, member: Annotated[UserRef, Arg("who")],
                   points: Annotated[int, Arg("how many points (default 1)", 1, 100)] | None = None,
                   reason: Annotated[str, Arg("why (the member sees it)")] | None = None) -> list[Action]:
        """/warn member [points] [reason]."""
        first = (reason or "").strip().partition(" ")[0]
        if points is None and event.raw is not None and _NUMBER.match(first):
            # `2.5` on a text line is a mistyped number of points, never 1 point with the number as the reason
            return [self.reply(event, fmt("/warn: points are a whole number from 1 to 100, not `{n}`.", n=first))]
        return await self._manual(event, member, ActionSpec("warn", points=points or 1), reason, None)

    @command("timeout", "Time a member out.", level=Level.MODERATOR,
             params=[MEMBER, Param("duration", ParamType.DURATION, "how long"), REASON])
    async def timeout(self, event: CommandInvoked, member: UserRef, duration: timedelta,
                      reason: str | None) -> list[Action]:
        """/timeout member duration [reason]."""
        if duration > MAX_TIMEOUT:
            name = (await self.target(member)).name
            return [self.reply(event, fmt("Not done: {why} — `/ban {name} {d}`.", why=text(TOO_LONG), name=name,
                                          d=format_duration(duration)))]
        return await self._manual(event, member, ActionSpec("timeout", duration=duration), reason,
                                  Capability.TIMEOUT)

    @command("kick", "Remove a member (they may rejoin).", level=Level.MODERATOR, params=[MEMBER, REASON])
    async def kick(self, event: CommandInvoked, member: UserRef, reason: str | None) -> list[Action]:
        """/kick member [reason]."""
        return await self._manual(event, member, ActionSpec("kick"), reason, Capability.KICK)

    @command("ban", "Ban a member, optionally for a while.", level=Level.MODERATOR)
    async def ban(self, event: CommandInvoked, member: Annotated[UserRef, Arg("who")],
                  duration: Annotated[timedelta, Arg("how long (default: permanent)")] | None = None,
                  reason: Annotated[str, Arg("why (the member sees it)")] | None = None) -> list[Action]:
        """/ban member [duration] [reason]; ``permanent`` as the first word of the reason is the default."""
        try:
            duration, reason = _checked_duration(duration, reason, typed=event.raw is not None)
        except ValueError as exc:
            return [self.reply(event, fmt("/ban: {why}", why=str(exc)))]
        # where bots can't ban (Slack) the fallback is a kick from Steward's channels, said in the case
        needed = Capability.BAN if self.ctx.can(member.platform, Capability.BAN) else Capability.KICK
        return await self._manual(event, member, ActionSpec("ban", duration=duration), reason, needed)

    async def _lift_manual(self, event: CommandInvoked, member: UserRef, kind: str, reason: str | None,
                           capability: Capability) -> list[Action]:
        refusal = await self.command_refusal(event, member, capability)
        if refusal is not None:
            return [refusal]
        undo = "untimeout" if kind == "timeout" else "unban"
        not_so = await self._nothing_to_lift(member, kind)
        if not_so is not None:
            return [self.reply(event, fmt("Not done: {why}.", why=not_so))]
        actor, target = await self.target(event.user), await self.target(member)
        lifted = await self.supersede_active(member, kind, actor.name)
        note = ("supersedes " + ", ".join(f"#{c.number}" for c in lifted)) if lifted else None
        scope = self.scope_of(member)
        action: Action = (RemoveTimeout(scope=scope, user=member, reason=reason or "")
                          if kind == "timeout" else UnbanMember(scope=scope, user=member, reason=reason or ""))
        case = await self.open_case(target, undo, reason=reason or "lifted by a moderator", actor=actor, note=note,
                                    effects=lambda c: self.case_effects(c, [action], tell=None,
                                                                        post=self.case_content(c)))
        return [self.reply(event, fmt("Case #{n}: {undo} {who}.", n=case.number, undo=undo, who=target.name))]

    async def _nothing_to_lift(self, member: UserRef, kind: str) -> str | None:
        """Why there is no timeout or ban to lift, or None when there is one (or may be one)."""
        info = await self.ctx.member(member)
        person = await self.ctx.person(member)
        async with self.ctx.db.session() as session:
            running = await repo.active_of_kind(session, self.ctx.community.name, person, kind, self.ctx.now())
        if kind == "ban":
            # present means not banned; absent with no ban on file may still be banned by hand, so it is tried
            return f"{info.label} is a member here, not banned" if info is not None else None
        if info is None:
            return f"{member.id} is not a member here"
        timed_out = info.timed_out_until is not None and info.timed_out_until > self.ctx.now()
        if not timed_out and not running and not self.sanctions.muted(member):
            return f"{info.label} is not timed out"
        return None

    @command("untimeout", "End a member's timeout.", level=Level.MODERATOR, params=[MEMBER, REASON])
    async def untimeout(self, event: CommandInvoked, member: UserRef, reason: str | None) -> list[Action]:
        """/untimeout member [reason]: supersedes the pending expiry."""
        return await self._lift_manual(event, member, "timeout", reason, Capability.TIMEOUT)

    @command("unban", "Lift a ban.", level=Level.MODERATOR, params=[MEMBER, REASON])
    async def unban(self, event: CommandInvoked, member: UserRef, reason: str | None) -> list[Action]:
        """/unban member [reason]: supersedes the pending expiry."""
        return await self._lift_manual(event, member, "ban", reason, Capability.BAN)

    @command("purge", "Delete recent messages here (optionally only one member's).", level=Level.MODERATOR,
             params=[Param("count", ParamType.INTEGER, "how many", min_value=1, max_value=500),
                     Param("member", ParamType.MEMBER, "only theirs", required=False)])
    async def purge(self, event: CommandInvoked, count: int, member: UserRef | None) -> list[Action]:
        """/purge count [member]: from the messages Steward saw in this channel."""
        channel = event.origin.channel
        if channel is None:
            return [self.reply(event, Content(("Use ", CommandMention("purge"), " in a channel.")))]
        if member is not None:
            refusal = await self.command_refusal(event, member, None)
            if refusal is not None:
                return [refusal]
        recent = self.recent.get(channel.id)
        if recent is None:
            return [self.reply(event, "Nothing to purge that Steward saw here.")]
        picked = [ref for ref, author, _at in reversed(recent.values())
                  if member is None or author == member.id][:count]
        if not picked:
            return [self.reply(event, "Nothing to purge that Steward saw here.")]
        for ref in picked:
            recent.pop(ref.id, None)
        actor = await self.target(event.user)
        whose = f" by {(await self.target(member)).name}" if member is not None else ""
        await self.ctx.modlog(fmt("{a} purged {n} message(s){w} in {c}.", a=actor.name, n=len(picked), w=whose,
                                  c=self.ctx.channel_mention(channel)))
        out: list[Action]
        if self.ctx.can(channel.platform, Capability.BULK_DELETE):
            out = [BulkDelete(channel=channel, messages=tuple(picked), reason=f"purge by {actor.name}")]
        else:
            out = [DeleteMessage(message=ref, reason=f"purge by {actor.name}") for ref in picked]
        return [*out, self.reply(event, fmt("Purged {n} message(s){w}.", n=len(picked), w=whose))]


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_DURATION_LIKE = re.compile(r"^[+-]?\d")


def _checked_duration(duration: timedelta | None, reason: str | None,
                      typed: bool) -> tuple[timedelta | None, str | None]:
    """The ban's duration and reason once ``permanent`` is read off the reason (None: permanent).

    ValueError when the duration would end at once (``0d``) or, on a text line, when the reason's first
    word looks like a duration but is not one (``7x``) or names a second member: a typo must never
    become a permanent ban.
    """
    if duration is not None:
        if duration <= timedelta(0):
            raise ValueError("a ban that ends at once is no ban; give a positive duration or `permanent`")
        return duration, reason
    first, _, rest = (reason or "").strip().partition(" ")
    if first.lower() in ("permanent", "perm", "forever"):
        return None, rest.strip() or None
    if not typed:  # typed options: the duration had its own field, the reason is only the reason
        return None, reason
    reason = (reason or "").strip() or None
    if first.startswith(("@", "<@")):
        raise ValueError(f"`{first}` is a second member: ban one member at a time, then give the duration "
                         "and the reason (`/ban @bob 7d spamming`)")
    if _DURATION_LIKE.match(first):
        try:  # a word that did not fit the duration parameter: this says why (zero, no unit, a wrong unit)
            return parse_duration(first), rest.strip() or None
        except DurationError as exc:
            raise ValueError(f"`{first}` is not a duration ({exc}); write e.g. `7d`, or `permanent`") from None
    return None, reason
