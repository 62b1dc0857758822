"""Appeals: a member with an active case fills a short form; moderators approve or deny it."""

from __future__ import annotations

from bot.actions import Action, OpenForm, SendDirect
from bot.cog import button, command, form
from bot.commands import Param, ParamType
from bot.components import Button, Form, FormField
from bot.content import Mention, UserText, fmt
from bot.events import ButtonPressed, CommandInvoked, FormCancelled, FormSubmitted, Origin
from bot.facts import AppealFiled
from bot.permissions import Level
from bot.persons import PersonId
from bot.refs import UserRef
from cogs.moderation import repository as repo
from cogs.moderation.base import ModerationBase, excerpt
from cogs.moderation.models import ACTIVE
from cogs.moderation.repository import Case

PENDING, APPROVED, DENIED = "pending", "approved", "denied"
APPEAL_FIELDS = (FormField("why", "Why should this be lifted?", "paragraph", max_length=1000),
                 FormField("contact", "Anything else moderators should know?", "short", required=False,
                           max_length=300))
APPEAL_SHOWN = 1500  # characters of an appeal the mod-log post shows


class Appeals(ModerationBase):
    """/appeal, the DM's Appeal button, the form, and the moderators' decision."""

    def _form(self, case: Case) -> Form:
        return self.declared_form("appeal", f"Appeal case #{case.number}", value=str(case.id),
                                  intro=f"{case.kind}: {case.reason}"[:200])

    async def _appealable(self, user: UserRef, case_id: int | None) -> Case | str:
        if not self.conf.appeals.enabled:
            return "Appeals are not open in this community."
        person = await self.ctx.person(user)
        async with self.ctx.db.session() as session, session.begin():
            if case_id is not None:
                case = await repo.by_id(session, case_id)
            else:
                case = await repo.latest_appealable(session, self.ctx.community.name, person, self.ctx.now())
        if case is None and case_id is None:
            async with self.ctx.db.session() as session:
                pending = await repo.pending_appeal(session, self.ctx.community.name, person)
            if pending is not None:
                return (f"Your appeal of case #{pending.number} is with the moderators; "
                        "their answer will come by direct message.")
        if case is None or case.community != self.ctx.community.name:
            return "You have no active case to appeal."
        if (case.platform, case.user_id) != (user.platform, user.id):
            return "That case is not yours to appeal."
        if case.kind not in repo.PUNISHMENTS:
            # a note, an untimeout or an unban is a record, not a punishment
            return f"Case #{case.number} is a {case.kind}, not a punishment: there is nothing to appeal."
        if case.state != ACTIVE:
            return f"Case #{case.number} is {case.state}; there is nothing to appeal."
        if case.appeal_state is not None:
            return f"Case #{case.number} was already appealed ({case.appeal_state})."
        return case

    @command("appeal", "Appeal your most recent active case.",
             params=[Param("case", ParamType.INTEGER, "case number (default: your latest)", required=False,
                           min_value=1)], direct=True)
    async def appeal_command(self, event: CommandInvoked, case: int | None) -> Action:
        """/appeal [N]: opens the appeal form."""
        case_id = None
        if case is not None:
            found = await self.get_case(case)
            case_id = found.id if found is not None else -1
        result = await self._appealable(event.user, case_id)
        if isinstance(result, str):
            return self.reply(event, result)
        return OpenForm(origin=event.origin, form=self._form(result))

    @button("appeal")
    async def appeal_button(self, event: ButtonPressed) -> Action:
        """The Appeal button of the DM a member got."""
        result = await self._appealable(event.user, int(event.value) if event.value.isdigit() else -1)
        if isinstance(result, str):
            return self.reply(event, result)
        return OpenForm(origin=event.origin, form=self._form(result))

    @form("appeal", fields=APPEAL_FIELDS)
    async def appeal_submitted(self, event: FormSubmitted | FormCancelled) -> Action | None:
        """Record the appeal and hand it to moderators with Approve / Deny."""
        if isinstance(event, FormCancelled):
            return None
        result = await self._appealable(event.user, int(event.value) if event.value.isdigit() else -1)
        if isinstance(result, str):
            return self.reply(event, result)
        case = result
        why = event.fields.get("why", "").strip()
        extra = event.fields.get("contact", "").strip()
        body = why + (f"\n({extra})" if extra else "")
        await self.update_case(case, appeal_state=PENDING, appeal_text=body[:2000], appeal_at=self.ctx.now())
        await self.ctx.publish(AppealFiled(person=PersonId(case.person_id), number=case.number))
        # the stored text is capped at 2,000 characters and the post at 1,500 of them, so the mod log
        # stays inside every platform's message limit (Discord: 2,000); /case shows the stored text
        content = fmt("Appeal of case #{n} ({kind}) from {member}:\n> {why}", n=case.number, kind=case.kind,
                      member=Mention(event.user, case.user_name or event.user.id),
                      why=UserText(excerpt(body, APPEAL_SHOWN)))
        await self.ctx.modlog(content.with_buttons(
            Button("Approve", self.action_id("approve"), str(case.id), "success"),
            Button("Deny", self.action_id("deny"), str(case.id), "danger")))
        return self.reply(event, fmt("Your appeal of case #{n} was sent to the moderators. "
                                     "Their answer will come by direct message.", n=case.number))

    async def _decide(self, event: ButtonPressed, approve: bool) -> list[Action]:
        case = await self.case_by_id(int(event.value)) if event.value.isdigit() else None
        if case is None or case.community != self.ctx.community.name:
            return [self.reply(event, "That case no longer exists.")]
        mine = await self.own_case(event.user, case)
        if mine is not None:
            return [self.reply(event, mine)]
        if case.appeal_state != PENDING:
            return [self.reply(event, fmt("The appeal of case #{n} is {s}.", n=case.number,
                                          s=case.appeal_state or "not open"))]
        actor = await self.target(event.user)
        state = APPROVED if approve else DENIED
        if not await self.update_case(case, appeal_state=state, appeal_by=actor.name[:100]):
            return []
        actions: list[Action] = []
        if approve:
            actions = await self.lift(case, by=f"{actor.name} (appeal approved)")
        user = UserRef(case.platform, case.user_id)
        outcome = ("approved: the case is revoked" if approve else "denied: the case stands")
        await self.ctx.modlog(fmt("Appeal of case #{n} {outcome} by {who}.", n=case.number, outcome=outcome,
                                  who=actor.mention()))
        await self.ctx.perform(SendDirect(user=user, scope=self.scope_of(user), content=fmt(
            "Your appeal of case #{n} in {c} was {outcome}.", n=case.number, c=self.ctx.community.name,
            outcome=outcome)))
        return [*actions, self.reply(event, fmt("Appeal of case #{n} {s}.", n=case.number, s=state))]

    @button("approve", level=Level.MODERATOR)
    async def approve(self, event: ButtonPressed) -> list[Action]:
        """Approve: the case is revoked and the member told."""
        return await self._decide(event, True)

    @button("deny", level=Level.MODERATOR)
    async def deny(self, event: ButtonPressed) -> list[Action]:
        """Deny: the case stands and the member is told."""
        return await self._decide(event, False)


def _origin_channel(origin: Origin) -> str:
    return origin.channel.id if origin.channel else f"dm:{origin.user.id}"
