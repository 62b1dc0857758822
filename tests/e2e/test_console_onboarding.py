"""Onboarding's Must-show through the console, as a user runs Steward with config/example.yaml's flow."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_console_cli import ROOT, steward

FIRST = ["+dana", "dana: press m4", "dana: press m6 1", "dana: press m6 5", "dana: press m9 2", "dana: press m11 2",
         "#introductions", "dana: hi all, I'm Dana, I build robots", "+erin", "erin: press m21", "erin: press m4",
         ":time +1d"]
SECOND = ["erin: press m2 1", ":role ada Admins", "ada: /onboarding status erin", "ada: /onboarding stats"]


def run(tmp_path: Path, lines: list[str]) -> str:
    text = (ROOT / "config" / "example.yaml").read_text(encoding="utf-8")
    config = tmp_path / "steward.yaml"
    config.write_text(text.replace("sqlite+aiosqlite:///data/steward.db", f"sqlite+aiosqlite:///{tmp_path / 's.db'}"),
                      encoding="utf-8")
    script = tmp_path / "script.txt"
    script.write_text("\n".join(lines) + "\n:quit\n", encoding="utf-8")
    result = steward("run", "--config", str(config), "--script", str(script), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Something went wrong" not in result.stdout
    return result.stdout


def test_two_newcomers_walk_the_flow_and_a_restart_keeps_their_steps(tmp_path: Path) -> None:
    out = run(tmp_path, FIRST)
    lines = out.splitlines()
    assert "(m1) [#welcome] steward: Welcome to acme, @dana! You're member number 1." in lines
    assert "(m2) [#staff] steward: @dana just joined." in lines
    # the rules card's "I agree" gives the role and lifts the newcomer gate
    given, lifted = "[action] role +Members dana (onboarding)", "[action] role -Newcomers dana (onboarding)"
    assert lines.index(given) < lines.index(lifted)
    # answering the questions gives roles and sets the time zone
    assert "[action] role +Python dana (onboarding)" in lines
    assert "(m10) [dm:dana] steward: Thanks, noted. Times will be shown in Europe/Berlin (change it with /settings)." \
        in lines
    # the post in #introductions is noticed, then the resources, then done
    assert "(m15) [dm:dana] steward: Thanks for introducing yourself, @dana!" in lines
    assert "• Getting started — https://example.com/start" in lines
    assert "(m17) [dm:dana] steward: You're all set — welcome to acme!" in lines
    # erin agreed to the rules only; a press on dana's DM is refused as the platform would
    assert "[action] role +Members erin (onboarding)" in lines
    assert "[blocked] m4 is a direct message to dana; only they can see it" in lines
    # :time +1d: the follow-up goes to erin, who has not finished, and to nobody else
    after = lines[lines.index("[console] time moves forward 1d"):]
    nudges = [x for x in after if "a day in: your welcome to acme isn't finished yet." in x]
    assert len(nudges) == 1 and nudges[0].split("] ")[0].endswith("[dm:erin")
    assert any("What are you here for?" in x for x in after)

    # A restart: the second run has only the database; erin comes back where she was.
    second = run(tmp_path, SECOND).splitlines()
    assert "(m1) [dm:erin] steward: Welcome back to acme! Let's pick up where you left off." in second
    assert "(m2) [dm:erin] steward: What are you here for? Pick all that apply." in second
    status = second[second.index(next(x for x in second if "Onboarding of @erin: active" in x)):]
    assert "Done: welcome, rules" in status
    assert "Left: 2 questions and your introduction." in status
    stats = second[second.index(next(x for x in second if x.endswith("Onboarding, last 30 days:"))):]
    # ada, typed in as an admin, is staff and not counted as a newcomer
    assert stats[1:4] == ["Joined: 2", "Accepted the rules: 2 (100%)", "Answered the questions: 1 (50%)"]
    assert "Finished onboarding: 1 (50%)" in stats
