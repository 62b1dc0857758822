"""Whether two accounts may be linked (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Collection

from bot.refs import UserRef


def refusal(issuer: UserRef, issuer_platforms: Collection[str], redeemer: UserRef,
            redeemer_platforms: Collection[str], *, same_person: bool) -> str | None:
    """Why the account entering a code may not join the account that asked for it, or None.

    ``*_platforms``: the platforms each side's person already holds an account on. A person
    holds at most one account per platform, so a link never replaces an account silently.
    """
    if same_person:
        return "already-linked"
    if issuer.platform == redeemer.platform:
        return "same-platform"
    if redeemer.platform in issuer_platforms:
        return "issuer-taken"  # the code's person already has an account on this platform
    if issuer.platform in redeemer_platforms:
        return "redeemer-taken"  # this account's person already has one on the code's platform
    return None
