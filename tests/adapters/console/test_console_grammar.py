"""Issue 19, items 1 and 2: no typed line ends the session, and the console can show every rule."""

from __future__ import annotations

from tests.adapters.console.example import Session, session


async def test_lines_that_used_to_break_the_session_get_a_hint(sqlite_url: str) -> None:
    out = await session("\n".join([
        "+", "-", "#", "#new channel with spaces", "alice: /rsvp", "+steward", "steward: hi",
        "+bad name!", "/help", "alice:", "alice: /", "alice: still here",
    ]), sqlite_url)
    joined = "\n".join(out)
    assert "[console] a member needs a name, e.g. `+bob`" in out
    assert "[console] a member needs a name, e.g. `-bob`" in out
    assert any(line.startswith("[console] `#name` switches channel") for line in out)
    assert "try #new-channel-with-spaces" in joined and "created #new" not in joined
    assert out.count("[console] steward is Steward's own name; pick another member name") == 2
    assert "can't be a member name" in joined
    assert "[console] commands are typed as a member: `alice: /help`" in out
    assert "[console] alice said nothing — type `alice: hello`" in out
    assert "[console] a command has a name: `alice: /help`" in out
    assert "(m" in joined and "[#general] alice: still here" in joined  # the session went on


async def test_press_without_a_number_and_reactions_answer(sqlite_url: str) -> None:
    async with Session(sqlite_url) as s:
        out = await s.feed("bob: check out this casino")  # a warning DM with one Appeal button
        dm = next(line for line in out if "[dm:bob]" in line and "warned" in line).split()[0].strip("()")
        modlog = next(line for line in out if "[#mod-log]" in line).split()[0].strip("()")
        tried = await s.feed("+alice", f"alice: press {dm}", f"alice: react {dm} 👍")  # (alice is welcomed too)
        assert tried[0] == "[console] alice joined"
        assert tried[-2:] == [f"[blocked] {dm} is a direct message to bob; only they can see it"] * 2
        many = await s.feed(f"mo: press {modlog}")
        assert any(f"[console] {modlog} has buttons 1 to 3" in line for line in many)
        assert not any("pressed" in line for line in many)  # nothing was pressed
        one = await s.feed(f"bob: press {dm}")  # the only button needs no number
        assert f"[console] bob pressed Appeal on {dm}" in one
        hello = next(line for line in await s.feed("alice: hello") if "alice: hello" in line).split()[0].strip("()")
        reacted = await s.feed(f"alice: react {hello} 👍", f"alice: react {hello}")
        assert f"[console] alice reacted 👍 to {hello}" in reacted
        assert any("react takes one emoji" in line for line in reacted)


async def test_a_banned_member_cannot_rejoin(sqlite_url: str) -> None:
    out = await session("\n".join([":role mo Moderators", "+bob", "mo: /ban bob spam", "+bob", "bob: hi",
                                   ":role bob Moderators"]), sqlite_url)
    assert "[action] ban bob (spam)" in "\n".join(out) or any(line.startswith("[action] ban bob") for line in out)
    assert out.count("[blocked] bob is banned and can't join") == 2
    assert "[blocked] bob is banned and can't post" in out
    assert out.count("[console] bob joined") == 1


async def test_multi_line_messages_are_one_message(sqlite_url: str) -> None:
    async with Session(sqlite_url) as s:
        out = await s.feed("alice: first line \\", "second line \\", "third line")
        assert out[-1].endswith(") [#general] alice: first line\nsecond line\nthird line")
        assert sum(1 for line in out if line.startswith("(m") and "alice:" in line) == 1


async def test_attachments_reach_the_rules(sqlite_url: str) -> None:
    out = await session("bob: [file setup.exe] here is the installer\ncarol: [file cat.png] my cat\n",
                        sqlite_url)
    joined = "\n".join(out)
    assert "[#general] bob: [file setup.exe] here is the installer" in joined
    posted = next(line for line in out if "bob: [file setup.exe]" in line).split()[0].strip("()")
    assert f"[action] delete {posted} (rule risky-files)" in out
    assert "rule risky-files" not in joined.split("carol: [file cat.png]")[1]


async def test_display_name_changes_are_checked(sqlite_url: str) -> None:
    out = await session("+bob\n:name bob Steward Support Team\n:name nobody X\n", sqlite_url)
    joined = "\n".join(out)
    assert "[console] bob is now shown as Steward Support Team" in out
    assert "[#mod-log]" in joined and "impersonation" in joined
    assert "[console] nobody is not here" in out


async def test_slowmode_is_enforced_like_a_lock(sqlite_url: str) -> None:
    async with Session(sqlite_url) as s:
        await s.feed("bob: before the slow mode", ":role mo Moderators", "mo: /slowmode 10s")
        first = await s.feed("bob: one")  # the interval counts from the first post after it is set
        assert any("[#general] bob: one" in line for line in first)
        assert await s.feed("bob: two") == ["[blocked] #general is in slow mode (10s): bob may post again in 10s"]
        assert any("[#general] mo: staff are not slowed" in line for line in await s.feed("mo: staff are not slowed"))
        await s.feed(":time +10s")
        assert any("[#general] bob: three" in line for line in await s.feed("bob: three"))


async def test_time_jumps_run_expiries_on_time(sqlite_url: str) -> None:
    async with Session(sqlite_url) as s:
        await s.feed(":role mo Moderators", "+bob", "+carol", "mo: /timeout bob 10m spam", "mo: /ban carol 1h spam")
        out = await s.feed(":time +1d")
        ended = [line for line in out if "ran out" in line]
        assert len(ended) == 2, out
        assert not any("late" in line for line in out), out
        # each expiry ran at its own time: the timeout before the ban
        assert "timeout" in ended[0] and "ban" in ended[1]


async def test_the_rate_limit_follows_the_console_clock(sqlite_url: str) -> None:
    async with Session(sqlite_url) as s:  # the example allows 5 commands per 10s
        burst = await s.feed(*["alice: /about"] * 7)
        refusals = [line for line in burst if "try again in" in line.lower()]
        assert len(refusals) == 2 and "Slow down — you can use 5 commands every 10s" in refusals[0]
        assert "Still too fast — try again in 10s." in refusals[1]
        await s.feed(":time +11s")
        assert any("Features on:" in line and "moderation" in line for line in await s.feed("alice: /about"))


async def test_renaming_the_community_and_reloading_keeps_steward_answering(sqlite_url: str) -> None:
    async with Session(sqlite_url) as s:
        running = s.runtime.config
        renamed = running.model_copy(update={"communities": [
            running.communities[0].model_copy(update={"name": "acme-corp"})]})
        s.runtime.loader = lambda: renamed
        out = await s.feed(":role root Admins", "root: /reload")
        assert any("Config not reloaded — the running config stays in force:" in line for line in out)
        assert any("console acme (community acme) would belong to no community" in line for line in out)
        after = await s.feed("bob: check out this casino", "root: /about")
        assert "[action] delete" in "\n".join(after)  # messages are still moderated
        assert any("Community: acme." in line for line in after)


async def test_output_while_a_person_types_goes_above_the_prompt(sqlite_url: str) -> None:
    async with Session(sqlite_url) as s:
        typist = s.adapter.typist
        assert typist.above_prompt("[action] untimeout bob") == "[action] untimeout bob"  # no prompt: as is
        typist.prompting = "> "
        assert typist.above_prompt("[action] untimeout bob") == "\r\x1b[K[action] untimeout bob\n> "
