"""The case file from chat: /case /cases /reason /note /pardon /modstats."""

from __future__ import annotations

from bot.actions import Action, EditMessage
from bot.cog import command
from bot.commands import Param, ParamType
from bot.content import Content, Mention, Segment, fmt, text
from bot.events import CommandInvoked
from bot.permissions import Level
from bot.refs import UserRef
from cogs.moderation import repository as repo
from cogs.moderation.base import ModerationBase
from cogs.moderation.models import ACTIVE

NUMBER = Param("number", ParamType.INTEGER, "case number", min_value=1)


class CaseCommands(ModerationBase):
    """Reading and amending cases."""

    @command("case", "Show one case.", level=Level.MODERATOR, params=[NUMBER])
    async def case_show(self, event: CommandInvoked, number: int) -> Action:
        """/case N."""
        case = await self.get_case(number)
        if case is None:
            return self.reply(event, fmt("No case #{n}.", n=number))
        content = self.case_content(case, excerpt_text=case.evidence)
        extra = f"\nState: {case.state}"
        if case.ended_at is not None:
            extra += f" ({self.ctx.when(case.ended_at)} by {case.ended_by or 'Steward'})"
        if case.appeal_state:
            extra += f"\nAppeal: {case.appeal_state}"
        extra += f"\nOpened: {self.ctx.when(case.created_at)}"
        return self.reply(event, Content((*content.segments, extra)))

    @command("cases", "List a member's cases.", level=Level.MODERATOR,
             params=[Param("member", ParamType.MEMBER, "who")])
    async def cases_list(self, event: CommandInvoked, member: UserRef) -> Action:
        """/cases @member."""
        person = await self.ctx.person(member)
        async with self.ctx.db.session() as session, session.begin():
            await repo.expire_points(session, self.ctx.community.name, self.ctx.now())
            cases = await repo.for_member(session, self.ctx.community.name, person)
            points = await repo.active_points(session, self.ctx.community.name, person, self.ctx.now())
        target = await self.target(member)
        if not cases:
            return self.reply(event, Content(("No cases for ", target.mention(), ".")))
        segments: list[Segment] = list(fmt("Cases of {who} ({n} active point(s)):", who=target.mention(),
                                           n=points).segments)
        accounts = await self.ctx.services.members.persons.accounts_of(person)
        linked = len(accounts) > 1  # one case file for a person linked across platforms: say whose and where
        if linked:
            names = [fmt("{platform} {name}", platform=u.platform, name=(await self.target(u)).name) for u in accounts]
            segments.extend(fmt("\nAccounts: {names}", names=Content(tuple(
                seg for i, n in enumerate(names) for seg in ((", ",) if i else ()) + n.segments))).segments)
        for case in cases:
            where = f" · on {case.platform}" if linked else ""
            segments.extend(fmt("\n  {line}{where} · {state} · by {by} · {reason}", line=text(self.case_line(case)),
                                where=text(where), state=case.state, by=case.by, reason=case.reason).segments)
        return self.reply(event, Content(tuple(segments)))

    @command("reason", "Change a case's reason.", level=Level.MODERATOR,
             params=[NUMBER, Param("text", ParamType.TEXT, "the new reason")])
    async def reason(self, event: CommandInvoked, number: int, text: str) -> list[Action]:
        """/reason N text: updates the case and its mod-log post."""
        case = await self.get_case(number)
        if case is None:
            return [self.reply(event, fmt("No case #{n}.", n=number))]
        mine = await self.own_case(event.user, case)
        if mine is not None:
            return [self.reply(event, mine)]
        await self.update_case(case, reason=text)
        updated = await self.get_case(number)
        assert updated is not None
        out: list[Action] = []
        ref = await self.cases.modlog_post(updated, updated.platform)
        if ref is not None:
            out.append(EditMessage(message=ref, content=self.case_content(updated, excerpt_text=updated.evidence)))
        out.append(self.reply(event, fmt("Case #{n}: reason updated.", n=number)))
        return out

    @command("note", "Add a note about a member (no action).", level=Level.MODERATOR,
             params=[Param("member", ParamType.MEMBER, "who"), Param("text", ParamType.TEXT, "the note")])
    async def note(self, event: CommandInvoked, member: UserRef, text: str) -> Action:
        """/note @member text: a case of kind note."""
        actor, target = await self.target(event.user), await self.target(member)
        case = await self.open_case(target, "note", reason=text, actor=actor, effects=lambda c: self.case_effects(
            c, [], tell=None, post=self.case_content(c)))
        return self.reply(event, fmt("Case #{n}: note on {who} saved.", n=case.number, who=target.name))

    @command("pardon", "Revoke a case (points stop counting; a running timeout or ban ends).",
             level=Level.MODERATOR, params=[NUMBER])
    async def pardon(self, event: CommandInvoked, number: int) -> list[Action]:
        """/pardon N."""
        case = await self.get_case(number)
        if case is None:
            return [self.reply(event, fmt("No case #{n}.", n=number))]
        if case.state != ACTIVE:
            return [self.reply(event, fmt("Case #{n} is already {s}.", n=number, s=case.state))]
        if case.kind not in repo.PUNISHMENTS and case.kind != "alert":
            return [self.reply(event, fmt("Case #{n} is a {k}, not a punishment: nothing to pardon.", n=number,
                                          k=case.kind))]
        mine = await self.own_case(event.user, case)
        if mine is not None:
            return [self.reply(event, mine)]
        actor = await self.target(event.user)
        refusal = await self.ctx.hierarchy_refusal(event.user, UserRef(case.platform, case.user_id), absent_ok=True)
        if refusal is not None:
            return [self.reply(event, fmt("Can't: {why}", why=refusal))]
        actions = await self.lift(case, by=actor.name)
        await self.ctx.modlog(fmt("Case #{n} pardoned by {who} ({kind} of {member}).", n=case.number,
                                  who=actor.mention(), kind=case.kind,
                                  member=Mention(UserRef(case.platform, case.user_id), case.user_name)))
        return [*actions, self.reply(event, fmt("Case #{n} pardoned.", n=number))]

    @command("modstats", "Moderation figures: actions by type and by moderator, median time to action.",
             level=Level.MODERATOR)
    async def modstats(self, event: CommandInvoked) -> Action:
        """/modstats."""
        async with self.ctx.db.session() as session:
            figures = await repo.stats(session, self.ctx.community.name)
        by_kind = ", ".join(f"{k} {v}" for k, v in sorted(figures["by_kind"].items())) or "none"
        by_actor = ", ".join(f"{k} {v}" for k, v in sorted(figures["by_actor"].items(), key=lambda kv: -kv[1]))
        median = figures["median_seconds"]
        median_text = "n/a" if median is None else f"{median:.0f}s"
        return self.reply(event, fmt("Cases: {total}\nBy type: {kinds}\nBy moderator: {actors}\n"
                                     "Median time to action: {median}", total=figures["total"], kinds=by_kind,
                                     actors=by_actor or "none", median=median_text))
