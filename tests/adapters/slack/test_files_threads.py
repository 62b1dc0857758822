"""Times, files (upload v2) and threads (thread_ts) through the real slack-sdk against the fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.actions import CreateThread, File, SendMessage
from bot.content import Content, Moment, text
from bot.refs import ChannelRef
from tests.adapters.slack.conftest import StartSteward

MEETUP_AT = datetime(2026, 1, 5, 17, 30, tzinfo=UTC)
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
HELP = ChannelRef("slack", "C0HELP")


async def test_a_time_renders_natively_with_the_communitys_zone_as_fallback(start_steward: StartSteward) -> None:
    steward = await start_steward()
    london = ZoneInfo("Europe/London")
    content = Content(("Meetup ", Moment(MEETUP_AT, tz=london), " (", Moment(MEETUP_AT, "R", tz=london), ")"))
    assert (await steward.adapter.perform(SendMessage(channel=HELP, content=content))).ok
    call = steward.fake.of("chat.postMessage")[-1]
    assert call.args["text"] == ("Meetup <!date^1767634200^{date_long_pretty} at {time}|Mon 5 Jan 2026, 17:30 GMT>"
                                 " (<!date^1767634200^{ago}|Mon 5 Jan 2026, 17:30 GMT>)")


async def test_a_file_goes_through_upload_v2_under_its_message(start_steward: StartSteward) -> None:
    steward = await start_steward()
    sent = await steward.adapter.perform(SendMessage(channel=HELP, content=text("The invite:"),
                                                     files=(File("meetup.ics", ICS, "text/calendar"),)))
    assert sent.ok, sent.error
    [upload] = steward.fake.uploads.values()
    assert (upload["filename"], upload["data"], upload["shared"]) == ("meetup.ics", ICS, ("C0HELP", None))
    methods = [c.method for c in steward.fake.calls if c.method.startswith(("files.", "chat.postMessage"))]
    assert methods[-3:] == ["chat.postMessage", "files.getUploadURLExternal", "files.completeUploadExternal"]


async def test_start_a_thread_and_reply_in_it_with_a_file(start_steward: StartSteward) -> None:
    steward = await start_steward()
    thread = await steward.adapter.perform(CreateThread(channel=HELP, name="Meetup chat",
                                                        content=text("Questions about the meetup here")))
    assert thread.ok and thread.message is not None and thread.ref == thread.message.id
    root = steward.fake.of("chat.postMessage")[-1]
    assert root.args["text"] == "Questions about the meetup here" and "thread_ts" not in root.args
    reply = await steward.adapter.perform(SendMessage(channel=HELP, content=text("Bring snacks"), thread=thread.message,
                                                      files=(File("list.csv", b"a,b\n1,2\n", "text/csv"),)))
    assert reply.ok
    answer = steward.fake.of("chat.postMessage")[-1]
    assert answer.args["thread_ts"] == thread.ref and answer.args["channel"] == "C0HELP"
    [upload] = steward.fake.uploads.values()
    assert upload["shared"] == ("C0HELP", thread.ref)
    on_message = await steward.adapter.perform(CreateThread(channel=HELP, name="x", message=reply.message,
                                                            content=text("replying to that")))
    assert on_message.ref == reply.message.id  # type: ignore[union-attr]
    assert steward.fake.of("chat.postMessage")[-1].args["thread_ts"] == reply.message.id  # type: ignore[union-attr]
