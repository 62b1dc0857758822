"""Capture: the /feedback form, the 💡 reaction, posts in the feedback channel, event ratings, and the
duplicate offer that follows each capture ("vote for #12 instead?")."""

from __future__ import annotations

import re

from bot.actions import Action, OpenForm, Reply, SendDirect
from bot.cog import button, form, on
from bot.components import Form, FormField
from bot.content import Content, UserText, fmt
from bot.events import (
    ButtonPressed,
    FormCancelled,
    FormSubmitted,
    MessageEdited,
    MessagePosted,
    MessageShared,
    Origin,
    ReactionAdded,
)
from bot.facts import EventRated, FeedbackVoted
from bot.persons import PersonId
from bot.refs import UserRef
from cogs.feedback import store
from cogs.feedback.answers import Refused
from cogs.feedback.base import REMEMBER, FeedbackBase, Seen
from cogs.feedback.capture import check_submission
from cogs.feedback.triage import merge, vote

YES, NO = "yes", "no"
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(value: str) -> str:
    """An event's name as a tag word (``Spring Meetup`` → ``spring-meetup``)."""
    return _SLUG.sub("-", value.casefold()).strip("-")[:40] or "event"


class Intake(FeedbackBase):
    """Every way feedback comes in, and the duplicate offer."""

    def submit_form(self) -> Form:
        """Title, details, category, anonymous."""
        conf = self.conf
        return Form(self.action_id("submit"), "Send feedback", (
            FormField("title", "Title: what would you like?", "short", max_length=conf.max_title),
            FormField("details", "Details", "paragraph", required=False, max_length=conf.max_details),
            FormField("category", "Category", "choice", choices=tuple(conf.categories)),
            FormField("anonymous", "Anonymous (hide your name from members)?", "choice", required=False,
                      choices=(NO, YES))))

    def open_form(self, origin: Origin) -> Action:
        """The /feedback form."""
        return OpenForm(origin=origin, form=self.submit_form())

    @form("submit")
    async def submitted(self, event: FormSubmitted | FormCancelled) -> Action | None:
        """Store the item, then offer similar open items."""
        if isinstance(event, FormCancelled):
            return None
        fields = event.fields
        title, details = fields.get("title", ""), fields.get("details", "")
        checked = check_submission(title, details, max_title=self.conf.max_title, max_details=self.conf.max_details)
        if isinstance(checked, Refused):
            return self.reply(event, self._refusal(checked, title, details))
        category = fields.get("category", "").strip().casefold()
        if category not in self.conf.categories:
            why = Refused(f"There is no category “{category[:30]}”; choose one of: {', '.join(self.conf.categories)}.")
            return self.reply(event, self._refusal(why, title, details))
        anonymous = fields.get("anonymous", NO).strip().casefold() == YES
        info = await self.ctx.member(event.user)
        captured = await self.capture(checked, author=event.user, author_name=info.label if info else event.user.id,
                                      anonymous=anonymous, category=category, source="form")
        return self.reply(event, self.offer(captured))

    @staticmethod
    def _refusal(refused: Refused, title: str, details: str) -> Content:
        typed = (title.strip() + ("\n" + details.strip() if details.strip() else ""))[:4000]
        if not typed:
            return Content((refused.reason,))
        return fmt("{reason}\nWhat you wrote, to copy:\n{typed}", reason=refused.reason, typed=UserText(typed))

    # -- the feedback channel and the reaction ----------------------------------------------

    @on(MessagePosted, MessageEdited)
    async def message(self, event: MessagePosted | MessageEdited) -> list[Action]:
        """Remember messages for reaction capture; a new post in the feedback channel becomes an item."""
        if event.is_bot:
            return []
        if self.conf.reaction is not None:
            self.remember(event.message, Seen(event.author, event.author_name, event.text))
        channel = self.channel(self.conf.channel, event.platform)
        if not isinstance(event, MessagePosted) or event.is_dm or channel is None or event.channel != channel:
            return []
        if event.reply_to is not None:
            return []  # a reply is discussion about an item, not a new one
        checked = check_submission("", event.text, max_title=self.conf.max_title, max_details=self.conf.max_details)
        if isinstance(checked, Refused):
            if not event.text.strip():
                return []  # an image or sticker alone: nothing to capture, nothing to answer
            return [SendDirect(user=event.author, scope=event.scope, content=self._refusal(checked, "", event.text))]
        captured = await self.capture(checked, author=event.author, author_name=event.author_name,
                                      category="", source="channel", link=event.message)
        return self.post_offer(captured, event.message)

    @on(ReactionAdded)
    async def reaction(self, event: ReactionAdded) -> list[Action]:
        """The configured reaction captures the message for its author; the reaction is the reactor's vote."""
        if self.conf.reaction is None or event.emoji != self.conf.reaction:
            return []
        voter = await self.ctx.person(event.user)
        async with self.capture_lock:  # two reactions at once must not capture one message twice
            found = await self._captured_by_reaction(event)
        if isinstance(found, Refused):
            return [SendDirect(user=event.user, scope=event.scope, content=Content((found.reason,)))]
        existing, actions = found
        if existing.person_id == voter:
            return actions  # an author's own reaction is not a vote
        answer = await self.cast(existing.number, voter, event.user, kind="reacted")
        if isinstance(answer, Refused):
            return [*actions, SendDirect(user=event.user, scope=event.scope, content=Content((answer.reason,)))]
        return actions

    async def _captured_by_reaction(self, event: ReactionAdded | MessageShared,
                                    ) -> tuple[store.Entry, list[Action]] | Refused:
        """The item of the reacted message (captured now if it is new, with its offer), or why it can't be."""
        existing = await self._by_link(event)
        if existing is not None:
            return existing, []
        seen = self.recent.get(event.message)
        if seen is None:
            return Refused(f"I can't read that message any more (I keep the last {REMEMBER} messages I saw), "
                           "so it wasn't captured. Use /feedback to send it.")
        checked = check_submission("", seen.text, max_title=self.conf.max_title, max_details=self.conf.max_details)
        if isinstance(checked, Refused):
            return Refused(f"That message can't become feedback: {checked.reason}")
        source = "shortcut" if isinstance(event, MessageShared) else "reaction"
        captured = await self.capture(checked, author=seen.author, author_name=seen.author_name,
                                      source=source, link=event.message)
        return captured.entry, self.post_offer(captured, event.message)

    @on(MessageShared)
    async def shared(self, event: MessageShared) -> list[Action]:
        """Slack's "Send to feedback" message shortcut: like the reaction, with the answer to the sharer."""
        if event.action != "feedback":
            return []
        sharer = await self.ctx.person(event.user)
        info = await self.ctx.member(event.author)
        self.remember(event.message, Seen(event.author, info.label if info else event.author.id, event.text))
        async with self.capture_lock:
            found = await self._captured_by_reaction(event)
        if isinstance(found, Refused):
            return [self.reply(event, found.reason)]
        existing, _offer = found
        answer: str | Refused = f"#{existing.number} is in the feedback list."
        if existing.person_id != sharer:
            answer = await self.cast(existing.number, sharer, event.user)
        said = answer.reason if isinstance(answer, Refused) else answer
        return [self.reply(event, fmt("{said} (#{n}: {title})", said=said, n=existing.number,
                                      title=UserText(existing.title)))]

    async def _by_link(self, event: ReactionAdded | MessageShared) -> store.Entry | None:
        async with self.ctx.db.session() as session:
            return await store.by_link(session, self.community, event.message.platform, event.message.id)

    async def cast(self, number: int, person: PersonId, user: UserRef, kind: str = "voted") -> str | Refused:
        """One vote (one per person, across platforms); the voter follows the item."""
        async with self.ctx.lock(person), self.ctx.db.session() as session, session.begin():
            before = await store.board(session, self.community, [number])
            after = vote(before, number, person)
            if isinstance(after, Refused):
                return after
            await store.apply(session, self.community, before, after, self.ctx.now(), {person: user}, kind=kind)
            count = len(after[number].votes)
        await self.ctx.publish(FeedbackVoted(person=person, item=str(number), vote=1))
        return f"Your vote for #{number} is in ({count} vote{'s' if count != 1 else ''}). You'll hear when it moves."

    # -- event ratings ----------------------------------------------------------------------

    @on(EventRated)
    async def rated(self, fact: EventRated) -> None:
        """A low rating of an event becomes an item tagged with the event, from the person who rated it."""
        ratings = self.conf.ratings
        if not ratings.enabled or fact.rating > ratings.capture_at_most:
            return
        checked = check_submission(f"Event {fact.event[:60]}: rated {fact.rating}/5")
        if isinstance(checked, Refused):
            return
        accounts = [] if fact.person is None else await self.ctx.services.members.persons.accounts_of(fact.person)
        author = accounts[0] if accounts else None
        name = ""
        if author is not None:
            info = await self.ctx.member(author)
            name = info.label if info else author.id
        await self.capture(checked, author=author, author_name=name, person=fact.person, category="",
                           source="rating", tags=f"event:{slug(fact.event)}")

    # -- the duplicate offer ----------------------------------------------------------------

    @button("instead")
    async def instead(self, event: ButtonPressed) -> list[Action]:
        """Vote for the similar item and merge the new one into it (only its author may)."""
        new, _, old = event.value.partition(":")
        if not (new.isdigit() and old.isdigit()):
            return [self.reply(event, "That button is broken; use /feedback merge.")]
        person = await self.ctx.person(event.user)
        async with self.ctx.db.session() as session:
            entry = await store.by_number(session, self.community, int(new))
        if entry is None or entry.person_id != person:
            return [self.reply(event, fmt("Only the author of #{n} can merge it.", n=new))]
        answer = await self.cast(int(old), person, event.user)
        voted = "" if isinstance(answer, Refused) else answer + " "
        merged = await self.merge_items(int(new), int(old), by=entry.author_name)
        if isinstance(merged, Refused):
            return [self.reply(event, (voted + merged.reason).strip())]
        return [self.reply(event, fmt("{voted}#{new} is merged into #{old}.", voted=voted, new=new, old=old))]

    @button("keep")
    async def keep(self, event: ButtonPressed) -> Reply:
        """Keep the new item as it is."""
        return self.reply(event, fmt("#{n} stays as it is; others can vote for it.", n=event.value))

    async def merge_items(self, source: int, target: int, *, by: str) -> str | Refused:
        """Merge ``source`` into ``target`` (votes of members who had not voted there, and followers)."""
        async with self.ctx.db.session() as session, session.begin():
            before = await store.board(session, self.community, [source, target])
            done = merge(before, source, target)
            if isinstance(done, Refused):
                return done
            after, record = done
            await store.apply(session, self.community, before, after, self.ctx.now())
            entry = await store.by_number(session, self.community, source)
            assert entry is not None
            await store.add_change(session, entry.id, "duplicate", f"merged into #{target}", by, self.ctx.now())
            await self.queue_hook(session, "feedback.status_changed", entry, merged_into=target)
        self.index.remove(source)
        await self.status_fact(entry, "duplicate")
        await self.kick_delivery()
        return (f"#{source} is merged into #{target}: {record.moved_votes} vote(s) and "
                f"{record.moved_followers} follower(s) moved. Undo with /feedback unmerge {source}.")
