"""Event handlers: messages, edits, joins and name changes go through the rules first."""

from __future__ import annotations

from datetime import datetime

from bot.actions import Action, DeleteMessage, TimeoutMember
from bot.capabilities import Capability
from bot.cog import on
from bot.events import MemberJoined, MemberUpdated, MessageDeleted, MessageEdited, MessagePosted
from bot.permissions import Level
from bot.refs import MessageRef, UserRef
from cogs.moderation import repository as repo
from cogs.moderation.activity import MessageFacts
from cogs.moderation.base import ModerationBase
from cogs.moderation.matcher import TextHit
from cogs.moderation.rules import Hit, applies
from cogs.moderation.ruleset import RuleSet

RECENT = 500  # messages remembered per channel, for /purge


class Watch(ModerationBase):
    """Checks every message, edit, join and display name against the community's rules."""

    async def setup(self) -> None:
        """Restore raid mode and soft mutes (platforms without timeouts) from the database."""
        await self.raid.restore()
        await self.sanctions.restore()

    def _remember(self, event: MessagePosted) -> None:
        message = event.message
        recent = self.recent.get(message.channel_id)
        if recent is None:
            recent = self.recent[message.channel_id] = {}
        recent[message.id] = (message, event.author.id, event.occurred_at)
        if len(recent) > RECENT:
            del recent[next(iter(recent))]

    @on(MessagePosted, priority=-100)
    async def on_message(self, event: MessagePosted) -> list[Action]:
        """The hot path: normalise and match synchronously; only hits touch the database."""
        if event.is_bot or event.is_dm:
            return []
        self._remember(event)
        if self.sanctions.soft_muted and self.sanctions.muted(event.author) and \
                self.ctx.can(event.platform, Capability.DELETE):
            self.forget(event.message)
            return [DeleteMessage(message=event.message, reason="member is timed out")]
        actions = await self._check(event.text, event.author, event.author_name, event.message,
                                    event.channel_name or f"#{event.message.channel_id}", event.occurred_at,
                                    mentions=len(set(event.mentions)) if event.mentions else 0,
                                    everyone=event.mentions_everyone,
                                    attachments=tuple(a.filename for a in event.attachments) if event.attachments
                                    else (), edited=False)
        return actions

    @on(MessageDeleted)
    async def on_delete(self, event: MessageDeleted) -> None:
        """A message deleted by anyone is no longer a candidate for /purge."""
        self.forget(event.message)

    @on(MessageEdited, priority=-100)
    async def on_edit(self, event: MessageEdited) -> list[Action]:
        """Edits are checked again (a clean message edited into spam)."""
        if event.is_bot or (event.before is not None and event.before == event.text):
            return []
        return await self._check(event.text, event.author, event.author_name, event.message,
                                 event.channel_name or f"#{event.message.channel_id}", event.occurred_at,
                                 mentions=len(set(event.mentions)), everyone=event.mentions_everyone,
                                 attachments=(), edited=True)

    def rule_set(self) -> RuleSet:
        """The rule set of the settings running now (worked out again only after a reload)."""
        settings = self.ctx.settings
        current = self._rule_set
        if current is None or current.settings is not settings:
            current = self._rule_set = RuleSet(settings)
        return current

    async def _check(self, text: str, author: UserRef, author_name: str, message: MessageRef, channel_name: str,
                     at: datetime, *, mentions: int, everyone: bool, attachments: tuple[str, ...],
                     edited: bool) -> list[Action]:
        rules = self.rule_set()
        if rules.empty:
            return []
        engine = rules.engine
        if engine.empty:
            matched: list[TextHit] = []
            normalised = None
        else:
            matched, normalised = engine.match_with_text(text)
        account_age = membership_age = None
        if rules.needs_age:
            info = await self.ctx.member(author)
            if info is not None:
                now = self.ctx.now()
                account_age = now - info.created_at if info.created_at else None
                membership_age = now - info.joined_at if info.joined_at else None
        facts = MessageFacts(text, f"{author.platform}:{author.id}", message.channel_id, channel_name, at, mentions,
                             everyone, attachments, account_age, membership_age, edited)
        if not edited:
            repeats = None
            if rules.wants_repeats:  # the matcher's normalised text when it has one: normalised once; its
                # whitespace is collapsed only when a repeat check compares it (kinds.repeats), not per message
                repeats = normalised if normalised is not None else _normalised_for_repeats(text)
            self.tracker.record(facts, repeats)
        hits = rules.evaluate(facts, self.tracker, {h.rule: h.term for h in matched} if matched else {})
        if not hits:
            return []
        await self.turnstile.submit(None)
        hits = await self._not_exempt(author, hits)
        if not hits:
            return []
        target = await self.target(author, author_name)
        self.tracker.forget(facts.author)
        return await self.enforce(target, hits, source_text=text, message=message, channel=message.channel,
                                  incident_at=at)

    async def _not_exempt(self, user: UserRef, hits: list[Hit]) -> list[Hit]:
        """Drop hits the member is exempt from (moderators, exempt roles)."""
        info = await self.ctx.member(user)
        if info is None:
            return hits
        if self.conf.exempt_moderators and self.ctx.community.level_of(info) >= Level.MODERATOR:
            return []
        names = {n for (p, n), ref in self.ctx.community.roles.items() if p == user.platform and ref in info.roles}
        if names & set(self.conf.exempt_roles):
            return []
        return [h for h in hits if not names & set(self.conf.rules[h.rule].exempt_roles)]

    # -- joins and names --------------------------------------------------------------------

    @on(MemberJoined, priority=-100)
    async def on_join(self, event: MemberJoined) -> list[Action]:
        """Raid detection, re-muting members who left while timed out, names and account age."""
        if event.is_bot:
            return []
        actions = await self.raid.join(event)
        if actions is not None:
            return actions
        out: list[Action] = []
        person = await self.ctx.person(event.member)
        async with self.ctx.db.session() as session:
            running = await repo.active_of_kind(session, self.ctx.community.name, person, "timeout", self.ctx.now())
        if running:
            until = max(c.expires_at for c in running if c.expires_at is not None)
            if self.ctx.can(event.member.platform, Capability.TIMEOUT):
                out.append(TimeoutMember(scope=event.scope, user=event.member, until=until,
                                         reason=f"timeout of case #{running[-1].number} still running"))
            else:
                self.sanctions.mute(event.member, until)
            await self.ctx.modlog(self.case_content(running[-1], headline="Rejoined while timed out — muted again: "))
        hits = self._name_hits(event.display_name or event.name)
        if event.account_created_at is not None:
            age = self.ctx.now() - event.account_created_at
            for index, rule in enumerate(self.conf.rules):
                if (rule.age is not None and rule.age.account is not None and applies(rule, "")
                        and age < rule.age.account and index not in {h.rule for h in hits}):
                    hits.append(Hit(index, rule.name, "account too new", rule.shadow))
        if hits:
            target = await self.target(event.member, event.display_name or event.name)
            out.extend(await self.enforce(target, hits, source_text=event.display_name or event.name,
                                          incident_at=event.occurred_at))
        return out

    @on(MemberUpdated, priority=-100)
    async def on_member_update(self, event: MemberUpdated) -> list[Action]:
        """A changed display name is checked like a name on join."""
        name = event.display_name or event.name
        if event.before_display_name is not None and event.before_display_name == name:
            return []
        hits = await self._not_exempt(event.member, self._name_hits(name))
        if not hits:
            return []
        target = await self.target(event.member, name)
        return await self.enforce(target, hits, source_text=name, incident_at=event.occurred_at)

    def _name_hits(self, name: str) -> list[Hit]:
        if self.conf.name_engine.empty:
            return []
        out = []
        for hit in self.conf.name_engine.match(name):
            rule = self.conf.rules[hit.rule]
            if rule.enabled:
                out.append(Hit(hit.rule, rule.name, f"display name matched “{hit.term}”", rule.shadow))
        return out


def _normalised_for_repeats(text: str) -> str:
    from cogs.moderation.normalise import normalise

    return normalise(text)
