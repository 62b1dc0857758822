"""The cog's parts on their own: the sanctions with only a context and a case file, and what a
message's hits amount to (a pure incident)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.actions import RemoveTimeout, TimeoutMember
from bot.config import load_config_text
from bot.testing import Harness
from cogs.moderation.actions import SEVERITY, ActionSpec
from cogs.moderation.casefile import CaseFile, Target
from cogs.moderation.enforce import incident
from cogs.moderation.rules import Hit
from cogs.moderation.sanctions import Sanctions
from cogs.moderation.settings import ModerationSettings

RULES = """
communities:
  - name: acme
    moderation:
      rules:
        - {name: spam, words: [spam], actions: [delete, {warn: 2}]}
        - {name: scam, words: [scam], actions: [delete, {timeout: 1h}]}
        - {name: worse, words: [worse], actions: [{timeout: 10m}, {warn: 1}]}
        - {name: worst, words: [worst], actions: [{ban: 7d}, dm]}
        - {name: loud, words: [loud], actions: [alert]}
"""


def settings() -> ModerationSettings:
    config = load_config_text(RULES, cogs={"moderation": ModerationSettings}, env={})
    section = config.communities[0].cog_sections()["moderation"]
    assert isinstance(section, ModerationSettings)
    return section


SETTINGS = settings()


def hits(*indices: int) -> list[Hit]:
    return [Hit(i, SETTINGS.rules[i].name, f"matched “{SETTINGS.rules[i].name}”") for i in indices]


def test_a_message_breaking_three_rules_is_one_incident_named_after_the_strongest() -> None:
    what = incident(SETTINGS, hits(0, 1, 2), can_timeout=True)
    assert (what.kind, what.points, what.duration) == ("timeout", 3, timedelta(hours=1))  # the longest timeout
    assert what.names == "spam, scam, worse" and what.detail == ""
    assert what.notes[0].startswith("rules: spam — matched “spam” (delete, warn 2); scam")
    assert what.tell() == "You were timed out for 1h"
    # where the platform can't time out: the documented fallback, deleted and at least a point
    fallback = incident(SETTINGS, hits(2), can_timeout=False)
    assert "delete" in fallback.kinds and fallback.points == 1
    assert incident(SETTINGS, hits(4), can_timeout=True).tell() is None  # an alert tells the member nothing


@given(st.sets(st.integers(0, len(SETTINGS.rules) - 1), min_size=1), st.booleans())
def test_an_incident_takes_the_most_severe_action_and_counts_each_rule_s_points(chosen: set[int],
                                                                                can_timeout: bool) -> None:
    picked = sorted(chosen)
    what = incident(SETTINGS, hits(*picked), can_timeout=can_timeout)
    specs = [s for i in picked for s in SETTINGS.rules[i].actions]
    severest = max(SEVERITY[s.kind] for s in specs)
    assert SEVERITY.get(what.kind, 0) == severest or (what.kind == "alert" and severest == 0)
    warned = sum(s.points for s in specs if s.kind == "warn")
    assert what.points == (max(warned, 1) if what.kinds & {"timeout"} and not can_timeout else warned)
    assert (what.member_action is None) == (what.kind not in ("timeout", "kick", "ban"))
    assert len(what.notes) == (len(picked) > 1)


async def test_the_sanctions_need_only_a_context_and_a_case_file(h: Harness) -> None:
    cog = next(c for c in h.runtime.cogs_of("acme") if c.name == "moderation")
    sanctions = Sanctions(cog.ctx, CaseFile(cog.ctx))
    h.add_member("bob")
    bob = Target(h.user("bob"), "bob")
    [act], note = await sanctions.punish(bob, ActionSpec("timeout", duration=timedelta(hours=1)), "spam")
    assert isinstance(act, TimeoutMember) and note is None
    case, _points = await sanctions.cases.record(bob, "timeout", reason="spam", duration=timedelta(hours=1))
    job = await cog.ctx.job(f"expire:{case.id}")  # its end was booked with the case, in its transaction
    assert job is not None and job.status == "pending" and job.due_at == case.expires_at
    [undo] = await sanctions.lift(case, by="mo")
    assert isinstance(undo, RemoveTimeout)
    assert await sanctions.lift(case, by="mo") == []  # a case is lifted once
    later, _points = await sanctions.cases.record(bob, "timeout", reason="again", duration=timedelta(hours=1))
    assert [c.number for c in await sanctions.supersede_active(bob.user, "timeout", "mo")] == [later.number]
    assert await sanctions.lift(later, by="mo") == []  # superseded: nothing left to lift
