"""The feedback cog through the real dispatcher, on SQLite and PostgreSQL: capture three ways, the
duplicate offer, votes, triage reaching every follower once, merges, anonymity, the digest."""

from __future__ import annotations

from bot.actions import SendDirect, ShowOnHome
from bot.events import HomeOpened
from bot.facts import EventRated, FeedbackCreated
from bot.refs import MessageRef
from bot.testing import Harness, texts
from tests.cogs.feedback.conftest import buttons, dms, in_channel, last_message, submit


async def test_capture_by_form_by_reaction_and_by_a_post_in_the_feedback_channel(h: Harness) -> None:
    sent = await submit(h, "alice", "Please add dark mode to mobile", "my eyes hurt at night")
    assert texts(sent) == ["Thanks! Your feedback is #1: Please add dark mode to mobile."]

    await h.post("bob", "export to csv would save me an hour a week", "#general")
    reacted = await h.react("carol", last_message(h), "💡")
    assert any("Your feedback is #2: export to csv would save me an hour a week" in t for t in texts(reacted))

    posted = await h.post("dave", "Calendar sync with Google please\nWe plan all our meetups there.", "#feedback")
    assert any("Your feedback is #3: Calendar sync with Google please" in t for t in texts(posted))

    listed = texts(await h.command("erin", "/feedback list"))[0]
    assert "#3 [new] Calendar sync with Google please — 0 votes · by dave" in listed
    assert "#2 [new] export to csv would save me an hour a week — 1 vote · by bob" in listed  # carol's 💡
    assert "#1 [new] Please add dark mode to mobile — 0 votes · feature · by alice" in listed
    facts = await h.runtime.cogs_of("acme")[0].ctx.facts((FeedbackCreated,))
    assert [f.item for f in facts] == ["1", "2", "3"]


async def test_a_paraphrase_is_offered_as_a_duplicate_and_accepting_merges_it(h: Harness) -> None:
    await submit(h, "alice", "please add dark mode to mobile")
    await h.command("bob", "/feedback vote 1")
    offered = await submit(h, "carol", "the phone app needs a dark theme")
    text = texts(offered)[0]
    assert "#2" in text and "It looks like what others already asked for:" in text
    assert "#1 [new] please add dark mode to mobile — 1 vote" in text
    instead = next(b for b in buttons(offered) if b.label == "Vote for #1 instead")
    assert texts(await h.press("bob", instead)) == ["Only the author of #2 can merge it."]
    done = texts(await h.press("carol", instead))[0]
    assert "Your vote for #1 is in (2 votes)" in done and "#2 is merged into #1." in done
    shown = texts(await h.command("erin", "/feedback show 2"))[0]
    assert "[duplicate]" in shown and "merged into #1" in shown
    assert texts(await h.command("erin", "/feedback vote 2")) == ["#2 was merged into #1: vote there instead."]
    # a near miss on another platform is not offered
    other = await submit(h, "dave", "dark mode on the desktop app")
    assert "It looks like" not in texts(other)[0]


async def test_one_vote_per_person_and_the_vote_button(h: Harness) -> None:
    await submit(h, "alice", "Recurring events")
    assert texts(await h.command("bob", "/feedback vote 1")) == [
        "Your vote for #1 is in (1 vote). You'll hear when it moves."]
    assert texts(await h.command("bob", "/feedback vote #1")) == ["You already voted for #1."]
    shown = await h.command("carol", "/feedback show 1")
    [vote] = buttons(shown)
    assert texts(await h.press("carol", vote))[0].startswith("Your vote for #1 is in (2 votes)")
    assert texts(await h.press("carol", vote)) == ["You already voted for #1."]
    assert texts(await h.command("carol", "/feedback unvote 1")) == ["Your vote for #1 is withdrawn."]
    assert texts(await h.command("zed", "/feedback vote 99")) == ["There is no item #99."]


async def test_a_status_change_reaches_every_follower_exactly_once(h: Harness) -> None:
    await submit(h, "alice", "Dark mode on mobile")
    await h.command("bob", "/feedback vote 1")
    await h.post("carol", "dark mode please, the app is blinding at night", "#general")
    await h.react("dave", last_message(h), "💡")  # #2, carol's, dave votes
    await h.command("mo", "/feedback merge 2 1")
    changed = await h.command("mo", '/feedback status 1 planned "in the March release"')
    told = dms(changed)
    assert sorted(who for who, _ in told) == ["alice", "bob", "carol", "dave"]
    assert all(text == "Feedback #1 you follow is now planned: Dark mode on mobile\nNote: in the March release"
               for _, text in told)
    assert "#1 is now planned; 4 follower(s) told." in texts(changed)
    again = await h.command("mo", '/feedback status 1 "in progress" "started this week"')
    assert sorted(who for who, _ in dms(again)) == ["alice", "bob", "carol", "dave"]


async def test_a_follower_whose_dms_are_closed_is_mentioned_in_the_feedback_channel(h: Harness) -> None:
    await submit(h, "alice", "Bigger fonts")
    h.adapter.refusals[SendDirect] = "Cannot send to this user"
    changed = await h.command("mo", '/feedback status 1 declined "fonts follow your system setting"')
    [notice] = in_channel(changed, "feedback")
    assert notice.startswith("@alice Feedback #1 you follow is now declined")


async def test_triage_refusals_are_clear(h: Harness) -> None:
    await submit(h, "alice", "Polls in threads")
    assert texts(await h.command("alice", '/feedback status 1 planned "x"')) == ["/feedback status is for moderators."]
    assert "Did you mean planned" in texts(await h.command("mo", '/feedback status 1 plannd "soon"'))[0]
    assert texts(await h.command("mo", "/feedback status 1 planned"))[0].startswith("Add a public note")
    assert texts(await h.command("mo", "/feedback merge 1 1")) == ["#1 cannot be merged into itself."]
    assert texts(await h.command("mo", '/feedback status 1 shipped "done"')) == [
        "#1 is new; from there it can go to: declined, planned, triaged."]
    assert texts(await h.command("mo", '/feedback status 1 declined "not for now"'))[-1] == \
        "#1 is now declined; 1 follower(s) told."
    assert texts(await h.command("bob", "/feedback vote 1")) == ["#1 is declined and closed to voting."]
    assert "There is no /feedback frobnicate" in texts(await h.command("bob", "/feedback frobnicate"))[0]


async def test_merge_into_a_chain_is_refused_and_undo_gives_votes_back(h: Harness) -> None:
    for title in ("Offline mode", "Work offline on the train", "Offline support for the app"):
        await submit(h, "alice", title)
    await h.command("bob", "/feedback vote 2")
    assert "1 vote(s)" in texts(await h.command("mo", "/feedback merge 2 1"))[0]
    assert texts(await h.command("mo", "/feedback merge 3 2")) == [
        "#2 is itself merged into #1: merge into #1 instead."]
    undone = texts(await h.command("mo", "/feedback unmerge 2"))[0]
    assert undone.startswith("#2 is new again; 1 vote(s)")
    assert "1 vote" in texts(await h.command("bob", "/feedback show 2"))[0]


async def test_empty_and_oversized_feedback_is_answered_and_quoted_back(h: Harness) -> None:
    long = "x" * 5000
    answer = texts(await submit(h, "alice", "Fine title", long))[0]
    assert answer.startswith("The details are 5000 characters; the limit is 4000.")
    assert "What you wrote, to copy:" in answer and long[:100] in answer
    assert texts(await submit(h, "alice", "   ")) == ["Your feedback is empty: please say what you would like to see."]
    assert texts(await h.command("bob", "/feedback list")) == ["No open items."]


async def test_anonymous_items_hide_the_author_and_who_is_logged(h: Harness) -> None:
    await submit(h, "alice", "Moderators are too slow at night", anonymous="yes")
    listed = texts(await h.command("bob", "/feedback list"))[0]
    assert "alice" not in listed and "anonymous" in listed
    assert texts(await h.command("bob", "/feedback who 1")) == ["/feedback who is for moderators."]
    revealed = await h.command("mo", "/feedback who 1")
    assert "#1 was sent by alice (anonymous to members)." in texts(revealed)
    assert "@mo looked up who sent feedback #1." in in_channel(revealed, "mod-log")


async def test_event_ratings_become_items_tagged_with_the_event(h: Harness) -> None:
    cog = h.runtime.cogs_of("acme")[0]
    rater = await cog.ctx.person(h.add_member("rita"))
    await cog.ctx.publish(EventRated(person=rater, event="Spring Meetup", rating=2))
    await cog.ctx.publish(EventRated(person=rater, event="Spring Meetup", rating=5))  # happy: no item
    await h.runtime.idle()
    listed = texts(await h.command("bob", "/feedback list #event:spring-meetup"))[0]
    assert "#1 [new] Event Spring Meetup: rated 2/5 — 0 votes · #event:spring-meetup · by rita" in listed
    assert "#2" not in listed


async def test_the_weekly_digest_goes_to_the_product_channel(h: Harness) -> None:
    await submit(h, "alice", "Dark mode on mobile")
    await submit(h, "bob", "Export to CSV", anonymous="yes")
    for name in ("carol", "dave", "erin"):
        await h.command(name, "/feedback vote 2")
    await h.command("mo", '/feedback status 1 planned "next"')
    await h.command("mo", '/feedback status 1 shipped "in 2.3"')
    performed = await h.advance(days=7)
    [digest] = in_channel(performed, "product")
    assert digest.startswith("Feedback digest for the week")
    assert "New this week (2):" in digest and "Top this week:\n  #2 [new] Export to CSV" in digest
    assert "Shipped:\n  #1 [shipped] Dark mode on mobile" in digest
    assert "bob" not in digest  # anonymous


async def test_forget_erases_votes_and_follows_and_leaves_items_without_an_author(h: Harness) -> None:
    h.add_member("boss", "Admins", rank=20)
    await submit(h, "alice", "Dark mode on mobile")
    await submit(h, "bob", "Export to CSV")
    await h.command("alice", "/feedback vote 2")
    await h.command("boss", "/forget @alice")
    listed = texts(await h.command("zed", "/feedback list"))[0]
    assert "alice" not in listed
    assert "#1 [new] Dark mode on mobile — 0 votes · feature · anonymous" in listed
    assert "#2 [new] Export to CSV — 0 votes · feature · by bob" in listed
    changed = await h.command("mo", '/feedback status 1 triaged "looking at it"')
    assert dms(changed) == []


async def test_a_follower_with_dms_off_hears_in_the_feedback_channel(h: Harness) -> None:
    await submit(h, "alice", "Keyboard shortcuts")
    await h.command("alice", "/settings dm off")
    changed = await h.command("mo", '/feedback status 1 triaged "we are looking"')
    assert dms(changed) == []
    [notice] = in_channel(changed, "feedback")
    assert notice.startswith("@alice Feedback #1 you follow is now triaged")


async def test_replies_in_the_channel_and_reactions_on_unseen_messages_capture_nothing(h: Harness) -> None:
    await h.post("dave", "Calendar sync with Google please", "#feedback")
    first = last_message(h)
    reply = await h.post("erin", "yes, and Outlook too", "#feedback", reply_to=first)
    assert texts(reply) == []
    unseen = MessageRef(h.adapter.platform, "general", "old1")
    h.adapter.exists(unseen)
    answer = await h.react("carol", unseen, "💡")
    assert dms(answer) == [("carol", "I can't read that message any more (I keep the last 5000 messages I saw), so "
                                     "it wasn't captured. Use /feedback to send it.")]
    assert "1 vote" not in texts(await h.command("zed", "/feedback list"))[0]
    assert texts(await h.react("carol", first, "👍")) == []  # only the configured reaction captures


async def test_the_home_view_lists_the_items_a_member_follows(h: Harness) -> None:
    await submit(h, "alice", "Dark mode on mobile")
    await submit(h, "bob", "Export to CSV")
    await h.command("alice", "/feedback vote 2")

    def opened(name: str) -> HomeOpened:
        return HomeOpened(platform=h.adapter.platform, scope=h.adapter.scope, event_id=f"home-{name}",
                          occurred_at=h.clock.now(), user=h.user(name))

    [home] = [a for a in await h.send(opened("alice")) if isinstance(a, ShowOnHome)]
    assert home.section == "Feedback you follow"
    assert home.content.plain() == ("#2 [new] Export to CSV — 1 vote · feature · by bob\n"
                                    "#1 [new] Dark mode on mobile — 0 votes · feature · by alice")
    [empty] = [a for a in await h.send(opened("zed")) if isinstance(a, ShowOnHome)]
    assert empty.content.plain().startswith("You follow no feedback yet")
