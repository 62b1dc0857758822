"""Two cog sections that would both act on one join are refused at load, each naming the other."""

from __future__ import annotations

from bot.config.loader import join_claim_clashes
from bot.config.types import StrictModel


class Gate(StrictModel):
    on: bool = True

    def join_claims(self) -> dict[str, str]:
        return {"account_age": "verification.account_age"} if self.on else {}


class Rule(StrictModel):
    def join_claims(self) -> dict[str, str]:
        return {"account_age": "rules.3.age.account"}


class Quiet(StrictModel):
    """A section that claims nothing (most cogs)."""


def test_one_claim_is_fine_two_clash_at_both_places() -> None:
    base = ("communities", 0)
    assert join_claim_clashes({"gate": Gate(), "quiet": Quiet()}, base) == []
    assert join_claim_clashes({"gate": Gate(on=False), "mod": Rule()}, base) == []
    clashes = dict(join_claim_clashes({"gate": Gate(), "mod": Rule(), "quiet": Quiet()}, base))
    assert set(clashes) == {("communities", 0, "gate", "verification", "account_age"),
                            ("communities", 0, "mod", "rules", 3, "age", "account")}
    assert "mod.rules.3.age.account" in clashes[("communities", 0, "gate", "verification", "account_age")]
    rule = ("communities", 0, "mod", "rules", 3, "age", "account")
    assert "would both act on one join (account age)" in clashes[rule]
