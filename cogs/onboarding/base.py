"""What every part of the onboarding cog shares: settings, cards, delivery with the channel fallback."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import (
    QUEUED,
    Action,
    ActionResult,
    AddRole,
    RemoveRole,
    Reply,
    SendDirect,
    SendMessage,
)
from bot.capabilities import Capability
from bot.cog import Cog
from bot.components import Button
from bot.content import Content, Mention, Segment, UserText, fmt, text
from bot.events import Origin
from bot.facts import OnboardingStepDone
from bot.permissions import Level
from bot.persons import PersonId
from bot.refs import ChannelRef, RoleRef, UserRef
from cogs.onboarding import store
from cogs.onboarding.flow import AnyStep, Position, left_text, position, render
from cogs.onboarding.settings import (
    IntroduceStep,
    OnboardingSettings,
    QuestionStep,
    ResourcesStep,
    RulesStep,
    WelcomeStep,
)
from cogs.onboarding.store import Newcomer

WATCH_FOR = timedelta(days=8)  # a newcomer's posts matter to the funnel this long after the join


@dataclass
class Watched:
    """A recent newcomer whose posts Steward notices (first message, introduction, activity)."""

    person: PersonId
    joined_at: datetime
    posted: bool
    active: bool
    intro_channels: set[str] = field(default_factory=set)  # introduce steps' channels not done yet


class OnboardingBase(Cog):
    """Settings, the recent-newcomer cache and helpers every part uses."""

    name = "onboarding"
    settings_model = OnboardingSettings
    migrations = Path(__file__).parent / "migrations" / "versions"

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.watch: dict[UserRef, Watched] = {}
        self.previews: dict[int, tuple[str, ...]] = {}  # admin person -> steps walked in /onboarding preview
        self.preview_answers: dict[int, dict[str, list[str]]] = {}  # and the picks of its multiple choices

    @property
    def conf(self) -> OnboardingSettings:
        """This community's onboarding section."""
        settings: OnboardingSettings = self.ctx.settings
        return settings

    @property
    def community(self) -> str:
        """The community's name."""
        return str(self.ctx.community.name)

    # -- small helpers ----------------------------------------------------------------------

    @staticmethod
    def reply(origin: Origin, message: str | Content) -> Reply:
        """Answer the member in front of Steward, privately."""
        return Reply(origin=origin, content=text(message) if isinstance(message, str) else message)

    @staticmethod
    def mention(newcomer: Newcomer) -> Mention:
        """The newcomer as a mention (it pings only where a message names them in ``ping``)."""
        return Mention(newcomer.user, newcomer.name or newcomer.user_id)

    def home(self, platform: str) -> ChannelRef | None:
        """Where a newcomer is reached when a DM can't be: the welcome step's channel, #welcome, #general."""
        welcome = next((s for s in self.conf.steps if isinstance(s, WelcomeStep) and s.channel), None)
        for name in ([welcome.channel] if welcome and welcome.channel else []) + ["welcome", "general"]:
            found = self.ctx.community.channel(name, platform)
            if found is not None:
                return found
        return None

    def template(self, template: str, newcomer: Newcomer) -> Content:
        """An admin's template for this newcomer."""
        return render(template, self.mention(newcomer), self.community, newcomer.number)

    def handled_elsewhere(self, newcomer: Newcomer) -> set[str]:
        """Steps Discord's own onboarding screens ask this member (only on Discord)."""
        return {s.name for s in self.conf.steps if s.discord} if newcomer.platform == "discord" else set()

    def where(self, newcomer: Newcomer) -> Position:
        """The newcomer's position in the flow as configured now."""
        return position(self.conf, newcomer.done, skip=self.handled_elsewhere(newcomer))

    def role(self, name: str, platform: str) -> RoleRef | None:
        """A configured role resolved on a platform."""
        return self.ctx.community.role(name, platform)

    async def is_moderator(self, user: UserRef) -> bool:
        """Whether the member is a moderator or admin here."""
        return bool(await self.ctx.level_of(user) >= Level.MODERATOR)

    # -- delivery ---------------------------------------------------------------------------

    async def tell(self, user: UserRef, content: Content, *, reason: str = "onboarding") -> ActionResult:
        """DM a member; where the platform refuses (DMs closed) post it in the welcome channel, mentioning
        only them. Members who turned DMs off get the channel version from the core already."""
        scope = self.ctx.community.scopes.get(user.platform, "")
        home = self.home(user.platform)
        result = (await self.ctx.perform(SendDirect(user=user, content=content, scope=scope, fallback=home,
                                                    reason=reason)))[0]
        if result.ok or result.code == QUEUED or result.transient or home is None:
            return result
        info = await self.ctx.member(user)
        name = info.label if info is not None else user.id
        post = SendMessage(channel=home, reason=f"{reason} (DMs closed)", content=Content(
            (Mention(user, name), " ", *content.segments), content.buttons, content.select, (user,)))
        return (await self.ctx.perform(post))[0]

    async def grant(self, session: AsyncSession, newcomer: Newcomer, role_names: list[str], *, key: str,
                    remove: bool = False) -> list[str]:
        """Give (or take) roles as effects of ``session``; returns names that could not be given here."""
        missing: list[str] = []
        scope = self.ctx.community.scopes.get(newcomer.platform, "")
        for name in role_names:
            ref = self.role(name, newcomer.platform)
            if ref is None:
                missing.append(name)
                continue
            if not self.ctx.can(newcomer.platform, Capability.ROLES):
                await self.ctx.modlog_later(session, fmt(
                    "Onboarding: {platform} doesn't let Steward change roles; please {how} {role} for {member} "
                    "by hand.", platform=newcomer.platform, how="remove" if remove else "give",
                    role=name, member=self.mention(newcomer)), key=f"{key}:{name}:manual")
                continue
            action: Action = (RemoveRole if remove else AddRole)(scope=scope, user=newcomer.user, role=ref,
                                                                  reason="onboarding")
            await self.ctx.effect(session, action, key=f"{key}:{name}")
        if missing:
            await self.ctx.modlog_later(session, fmt(
                "Onboarding: the role(s) {roles} are not on {platform} any more, so {member} did not get them.",
                roles=", ".join(missing), platform=newcomer.platform, member=self.mention(newcomer)),
                key=f"{key}:missing")
        return missing

    async def step_done(self, session: AsyncSession, newcomer: Newcomer, step: str) -> Newcomer:
        """Mark a step done (idempotent)."""
        if step in newcomer.done:
            return newcomer
        return await store.save(session, newcomer, done=(*newcomer.done, step))

    async def publish_done(self, newcomer: Newcomer, step: str) -> None:
        """Tell analytics a step is done."""
        await self.ctx.publish(OnboardingStepDone(person=newcomer.person, step=step))

    # -- cards ------------------------------------------------------------------------------

    def card(self, newcomer: Newcomer, step: AnyStep, left: tuple[str, ...], *, preview: bool = False) -> Content:
        """The message that asks for one interactive step, with its buttons and what is left."""
        owner = f"p{int(newcomer.person)}" if preview else str(int(newcomer.person))
        segments: list[Segment] = ["[preview] "] if preview else []
        buttons: list[Button] = []
        if isinstance(step, RulesStep):
            segments += self.template(step.text, newcomer).segments
            if step.channel:
                channel = self.ctx.community.channel(step.channel, newcomer.platform)
                if channel is not None:
                    segments += ["\nThe full rules are in ", self.ctx.channel_mention(channel), "."]
            buttons.append(Button(step.button, self.action_id("agree"), f"{owner}:{step.name}", "success"))
        elif isinstance(step, QuestionStep):
            segments += self.template(step.text, newcomer).segments
            chosen = newcomer.answers.get(step.name, [])
            for option in step.options:
                mark = "✓ " if option.id in chosen else ""
                buttons.append(Button(f"{mark}{option.label}", self.action_id("pick"),
                                      f"{owner}:{step.name}:{option.id}", "primary" if mark else "secondary"))
            if step.multiple:
                segments.append("\nPick all that apply, then press Done.")
                buttons.append(Button("Done", self.action_id("done"), f"{owner}:{step.name}", "success"))
        elif isinstance(step, IntroduceStep):
            segments += self.template(step.text, newcomer).segments
            channel = self.ctx.community.channel(step.channel, newcomer.platform)
            if channel is not None:
                segments += ["\nPost it in ", self.ctx.channel_mention(channel), "."]
        if not isinstance(step, RulesStep) and not getattr(step, "required", True):
            buttons.append(Button("Skip", self.action_id("skip"), f"{owner}:{step.name}"))
        said = left_text(self.conf, left)
        if said:
            segments += ["\n", said]
        return Content(tuple(segments), tuple(buttons))

    def resources(self, step: ResourcesStep) -> Content:
        """The resources step: its text and links (admin text, trusted; URLs checked at load)."""
        segments: list[Segment] = [step.text] if step.text else []
        for link in step.links:
            segments += ["\n• ", UserText(link.title), " — ", UserText(link.url)]
        return Content(tuple(segments))
