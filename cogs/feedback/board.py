"""``/feedback`` and its subcommands: list, show, vote, status, merge, tag, top, who; and the vote button.

Every follower hears of each status change once (a notice row per change and person, claimed in the
change's transaction), by DM on the platform they used; where that DM cannot be delivered (DMs closed
on the platform) the notice is posted in the feedback channel mentioning only them, and where they
turned DMs off (``/settings dm off``) the core sends it to that channel itself.
"""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action, SendDirect, SendMessage, ShowOnHome
from bot.cog import button, command, on
from bot.commands import Param, ParamType
from bot.content import Content, Mention, Segment, UserText, fmt
from bot.events import ButtonPressed, CommandInvoked, HomeOpened
from bot.facts import FeedbackVoted
from cogs.feedback import store
from cogs.feedback.answers import Refused
from cogs.feedback.intake import Intake
from cogs.feedback.ranking import RankedItem, biggest_movers, rank, top_this_week
from cogs.feedback.triage import Status, change_status, parse_status, undo_merge, unvote

USAGE = ("/feedback (opens the form) · /feedback list [status] [#tag] [top|new|votes] · /feedback show N · "
         "/feedback vote N · /feedback unvote N · /feedback top · moderators: /feedback status N STATUS \"note\" · "
         "/feedback merge N INTO · /feedback unmerge N · /feedback tag N +tag -tag · /feedback who N")
SORTS = ("top", "new", "votes")
LIST_LIMIT = 15
MAX_NOTE = 500


_WORD = re.compile(r'"([^"]*)"|\'([^\']*)\'|(\S+)')


def split_args(raw: str) -> list[str]:
    """Words of a subcommand line; quotes group words (``status 12 "in progress" "a note"``)."""
    return [next(g for g in m.groups() if g is not None) for m in _WORD.finditer(raw)]


def _number(token: str) -> int | None:
    token = token.lstrip("#")
    return int(token) if token.isdigit() and len(token) < 9 else None


class Board(Intake):
    """What members and moderators do with items once they exist."""

    @command("feedback", "Send feedback, or list, show, vote on and (moderators) triage items.",
             params=[Param("what", ParamType.TEXT, "list, show N, vote N, status N STATUS note, ...",
                           required=False)])
    async def feedback(self, event: CommandInvoked, what: str | None) -> list[Action]:
        """Route the subcommand."""
        words = split_args(what or "")
        if not words:
            return [self.open_form(event.origin)]
        sub, rest = words[0].casefold(), (what or "").strip()[len(words[0]):].strip()
        handler = {"list": self._list, "show": self._show, "vote": self._vote, "unvote": self._unvote,
                   "status": self._status, "merge": self._merge, "unmerge": self._unmerge, "tag": self._tag,
                   "top": self._top, "who": self._who, "help": self._help}.get(sub)
        if handler is None:
            return [self.reply(event, fmt("There is no /feedback {sub}. {usage}", sub=words[0][:30], usage=USAGE))]
        moderator_only = sub in ("status", "merge", "unmerge", "tag", "who")
        if moderator_only and not await self.is_moderator(event.user):
            return [self.reply(event, fmt("/feedback {sub} is for moderators.", sub=sub))]
        return await handler(event, rest)

    async def _help(self, event: CommandInvoked, rest: str) -> list[Action]:
        return [self.reply(event, USAGE)]

    async def _entry(self, number: int) -> store.Entry | None:
        async with self.ctx.db.session() as session:
            return await store.by_number(session, self.community, number)

    # -- for everyone -----------------------------------------------------------------------

    async def _list(self, event: CommandInvoked, rest: str) -> list[Action]:
        status: str | None = None
        tag: str | None = None
        sort = "new"
        tokens = split_args(rest)
        i = 0
        while i < len(tokens):
            token = tokens[i].casefold()
            pair = " ".join(tokens[i:i + 2]).casefold()
            if pair == "in progress":
                status, i = Status.IN_PROGRESS.value, i + 2
                continue
            if token in SORTS:
                sort = token
            elif token.startswith("#") and len(token) > 1:
                tag = token[1:]
            else:
                parsed = parse_status(token)
                if isinstance(parsed, Refused):
                    return [self.reply(event, fmt("{why} Sorts: {sorts}; tags start with #.", why=parsed.reason,
                                                          sorts=", ".join(SORTS)))]
                status = parsed.value
            i += 1
        async with self.ctx.db.session() as session:
            entries = await store.listing(session, self.community, status=status, tag=tag,
                                          open_only=status is None)
            signals = await store.signals(session, self.community) if sort == "top" else []
        if sort == "votes":
            entries.sort(key=lambda e: (-e.votes, e.number))
        elif sort == "top":
            order = {r.item_id: k for k, r in enumerate(rank(
                [RankedItem(e.number, True, e.sentiment) for e in entries], signals, self.ctx.now()))}
            entries.sort(key=lambda e: order.get(e.number, len(order)))
        else:
            entries.sort(key=lambda e: -e.number)
        what = status or "open"
        if not entries:
            tagged = f" tagged #{tag}" if tag else ""
            return [self.reply(event, fmt("No {what} items{tagged}.", what=what, tagged=tagged), ephemeral=False)]
        moderator = await self.is_moderator(event.user)
        segments: list[Segment] = [*fmt("Feedback — {what}, {sort} first ({count}):", what=what, sort=sort,
                                        count=len(entries)).segments]
        for e in entries[:LIST_LIMIT]:
            segments += ["\n", *self.line(e, moderator=moderator)]
        if len(entries) > LIST_LIMIT:
            segments += fmt("\n… and {more} more (narrow it with a status or #tag)",
                            more=len(entries) - LIST_LIMIT).segments
        return [self.reply(event, Content(tuple(segments)), ephemeral=False)]

    async def _show(self, event: CommandInvoked, rest: str) -> list[Action]:
        number = _number(rest.split()[0]) if rest.split() else None
        if number is None:
            return [self.reply(event, "Which item? /feedback show 12")]
        entry = await self._entry(number)
        if entry is None:
            return [self.reply(event, fmt("There is no item #{n}.", n=number))]
        moderator = await self.is_moderator(event.user)
        segments: list[Segment] = [*self.line(entry, moderator=moderator)]
        if entry.details:
            segments += ["\n", UserText(entry.details)]
        content = Content(tuple(segments))
        if entry.open:
            content = content.with_buttons(self.vote_button(number))
        return [self.reply(event, content, ephemeral=False)]

    async def _vote(self, event: CommandInvoked | ButtonPressed, rest: str) -> list[Action]:
        number = _number(rest.split()[0]) if rest.split() else None
        if number is None:
            return [self.reply(event, "Which item? /feedback vote 12")]
        if await self._entry(number) is None:
            return [self.reply(event, fmt("There is no item #{n}.", n=number))]
        answer = await self.cast(number, await self.ctx.person(event.user), event.user)
        return [self.reply(event, answer.reason if isinstance(answer, Refused) else answer)]

    @button("vote")
    async def vote_pressed(self, event: ButtonPressed) -> list[Action]:
        """The Vote button of an item."""
        return await self._vote(event, event.value)

    async def _unvote(self, event: CommandInvoked, rest: str) -> list[Action]:
        number = _number(rest.split()[0]) if rest.split() else None
        if number is None:
            return [self.reply(event, "Which item? /feedback unvote 12")]
        person = await self.ctx.person(event.user)
        async with self.ctx.lock(person), self.ctx.db.session() as session, session.begin():
            before = await store.board(session, self.community, [number])
            after = unvote(before, number, person)
            if isinstance(after, Refused):
                return [self.reply(event, after.reason)]
            await store.apply(session, self.community, before, after, self.ctx.now())
        await self.ctx.publish(FeedbackVoted(person=person, item=str(number), vote=-1))
        return [self.reply(event, fmt("Your vote for #{n} is withdrawn.", n=number))]

    @on(HomeOpened)
    async def home(self, event: HomeOpened) -> list[Action]:
        """The member's home view (Slack's App Home): the items they follow."""
        person = await self.ctx.person(event.user)
        async with self.ctx.db.session() as session:
            entries = await store.followed(session, self.community, person)
        segments: list[Segment] = []
        for e in entries[:LIST_LIMIT]:
            segments += [*(["\n"] if segments else []), *self.line(e)]
        if not segments:
            segments = ["You follow no feedback yet: /feedback sends some, /feedback list shows what others asked for."]
        return [ShowOnHome(scope=event.scope, user=event.user, section="Feedback you follow",
                           content=Content(tuple(segments)), order=30)]

    async def _top(self, event: CommandInvoked, rest: str) -> list[Action]:
        async with self.ctx.db.session() as session:
            entries = {e.number: e for e in await store.listing(session, self.community, open_only=True)}
            signals = await store.signals(session, self.community)
        items = [RankedItem(e.number, True, e.sentiment) for e in entries.values()]
        now = self.ctx.now()
        segments: list[Segment] = ["Top this week:"]
        for r in top_this_week(items, signals, now) or []:
            segments += ["\n", *self.line(entries[r.item_id]), *fmt(" (score {s:.1f})", s=r.score).segments]
        segments.append("\nBiggest movers:")
        for r in biggest_movers(items, signals, now):
            segments += ["\n", *self.line(entries[r.item_id]), *fmt(" (+{c:.1f})", c=r.change).segments]
        return [self.reply(event, Content(tuple(segments)), ephemeral=False)]

    # -- for moderators ---------------------------------------------------------------------

    async def _status(self, event: CommandInvoked, rest: str) -> list[Action]:
        tokens = split_args(rest)
        number = _number(tokens[0]) if tokens else None
        if number is None or len(tokens) < 2:
            return [self.reply(event, 'Usage: /feedback status 12 planned "in the March release"')]
        wanted, used = tokens[1], 2
        if len(tokens) > 2 and f"{tokens[1]} {tokens[2]}".casefold() == "in progress":
            wanted, used = "in progress", 3
        parsed = parse_status(wanted)
        if isinstance(parsed, Refused):
            return [self.reply(event, parsed.reason)]
        note = " ".join(tokens[used:]).strip()
        if not note:
            return [self.reply(event, fmt('Add a public note for the followers: /feedback status {n} {status} '
                                          '"in the March release"', n=number, status=parsed.value))]
        if len(note) > MAX_NOTE:
            return [self.reply(event, fmt("The note is {size} characters; the limit is {limit}.", size=len(note),
                                          limit=MAX_NOTE))]
        info = await self.ctx.member(event.user)
        by = info.label if info else event.user.id
        async with self.ctx.db.session() as session, session.begin():
            before = await store.board(session, self.community, [number])
            after = change_status(before, number, parsed)
            if isinstance(after, Refused):
                return [self.reply(event, after.reason)]
            await store.apply(session, self.community, before, after, self.ctx.now())
            entry = await store.by_number(session, self.community, number)
            assert entry is not None
            change = await store.add_change(session, entry.id, parsed.value, note, by, self.ctx.now())
            followers = await store.followers(session, entry.id)
            fresh = set(await store.claim_notices(session, change, [f.person_id for f in followers]))
            await self.queue_hook(session, "feedback.status_changed", entry, note=note)
            # each follower's notice commits with the change: sent once after it, even through a crash
            told = await self._tell(session, change, [f for f in followers if f.person_id in fresh], entry, note)
        if entry.open:
            self.index.add(number, entry.text)  # reopened items are offered again
        else:
            self.index.remove(number)
        await self.status_fact(entry, parsed.value, await self.ctx.person(event.user))
        await self.kick_delivery()
        return [self.reply(event, fmt("#{n} is now {status}; {told} follower(s) told.", n=number,
                                      status=parsed.value, told=told), ephemeral=False)]

    async def _tell(self, session: AsyncSession, change: int, followers: list[store.Follower], entry: store.Entry,
                    note: str) -> int:
        """Stage a DM to each follower in the change's transaction. The outbox posts it in the feedback
        channel, mentioning only them, when they don't accept DMs, and reports in the mod log what
        could not be delivered at all."""
        content = fmt("Feedback #{n} you follow is now {status}: {title}\nNote: {note}", n=entry.number,
                      status=entry.status, title=UserText(entry.title), note=UserText(note))
        told = 0
        for follower in followers:
            user = follower.user
            scope = self.ctx.community.scopes.get(user.platform, "")
            dm = SendDirect(user=user, scope=scope, content=content,
                            fallback=self.channel(self.conf.channel, user.platform))
            result = await self.ctx.effect(session, dm, key=f"feedback:notice:{change}:{follower.person_id}")
            told += result.ok
        return told

    async def _merge(self, event: CommandInvoked, rest: str) -> list[Action]:
        tokens = [t for t in split_args(rest) if t.casefold() != "into"]
        numbers = [_number(t) for t in tokens[:2]]
        if len(numbers) != 2 or None in numbers:
            return [self.reply(event, "Usage: /feedback merge 14 12 (moves #14's votes and followers to #12)")]
        source, target = numbers[0] or 0, numbers[1] or 0
        info = await self.ctx.member(event.user)
        answer = await self.merge_items(source, target, by=info.label if info else event.user.id)
        return [self.reply(event, answer.reason if isinstance(answer, Refused) else answer, ephemeral=False)]

    async def _unmerge(self, event: CommandInvoked, rest: str) -> list[Action]:
        number = _number(rest.split()[0]) if rest.split() else None
        if number is None:
            return [self.reply(event, "Usage: /feedback unmerge 14")]
        info = await self.ctx.member(event.user)
        async with self.ctx.db.session() as session, session.begin():
            before = await store.board(session, self.community, [number])
            if number in before and before[number].merged_into is not None:
                before = await store.board(session, self.community, [number, before[number].merged_into or 0])
            done = undo_merge(before, number)
            if isinstance(done, Refused):
                return [self.reply(event, done.reason)]
            after, record = done
            await store.apply(session, self.community, before, after, self.ctx.now())
            entry = await store.by_number(session, self.community, number)
            assert entry is not None
            await store.add_change(session, entry.id, entry.status, f"unmerged from #{record.target}",
                                   info.label if info else event.user.id, self.ctx.now())
            await self.queue_hook(session, "feedback.status_changed", entry)
        self.index.add(number, entry.text)
        await self.status_fact(entry, entry.status)
        await self.kick_delivery()
        return [self.reply(event, fmt("#{n} is {status} again; {votes} vote(s) and {followers} follower(s) went "
                                      "back from #{target}.", n=number, status=entry.status,
                                      votes=record.moved_votes, followers=record.moved_followers,
                                      target=record.target), ephemeral=False)]

    async def _tag(self, event: CommandInvoked, rest: str) -> list[Action]:
        tokens = split_args(rest)
        number = _number(tokens[0]) if tokens else None
        changes = tokens[1:]
        if number is None or not changes or any(len(t) < 2 or t[0] not in "+-" for t in changes):
            return [self.reply(event, "Usage: /feedback tag 12 +mobile -web")]
        entry = await self._entry(number)
        if entry is None:
            return [self.reply(event, fmt("There is no item #{n}.", n=number))]
        tags = list(entry.tag_list)
        for change in changes:
            word = change[1:].casefold().lstrip("#")[:30]
            if change[0] == "+" and word not in tags:
                tags.append(word)
            elif change[0] == "-" and word in tags:
                tags.remove(word)
        joined = " ".join(tags)
        if len(joined) > 300:
            return [self.reply(event, "That is too many tags for one item.")]
        async with self.ctx.db.session() as session, session.begin():
            await store.update_item(session, self.community, number, tags=joined, updated_at=self.ctx.now())
        return [self.reply(event, fmt("#{n} tags: {tags}.", n=number, tags=" ".join("#" + t for t in tags) or "none"))]

    async def _who(self, event: CommandInvoked, rest: str) -> list[Action]:
        number = _number(rest.split()[0]) if rest.split() else None
        if number is None:
            return [self.reply(event, "Usage: /feedback who 12")]
        entry = await self._entry(number)
        if entry is None:
            return [self.reply(event, fmt("There is no item #{n}.", n=number))]
        moderator = await self.ctx.person(event.user)
        async with self.ctx.db.session() as session, session.begin():
            audit = await store.audit(session, self.community, number, moderator, self.ctx.now())
            await self.ctx.modlog_later(session, fmt("{mod} looked up who sent feedback #{n}.",
                                                     mod=Mention(event.user, event.user.id), n=number),
                                        key=f"feedback:who:{audit}")
        who = entry.author_name or "a member who has since been erased"
        return [self.reply(event, fmt("#{n} was sent by {who}{anon}.", n=number, who=UserText(who),
                                      anon=" (anonymous to members)" if entry.anonymous else ""))]

    async def broadcast(self, content: Content, purpose: str | None) -> list[Action]:
        """A message to a configured channel on every platform it exists on."""
        return [SendMessage(channel=ch, content=content) for p in self.ctx.platforms()
                if (ch := self.channel(purpose, p)) is not None]
