"""Links: invites to other servers, denied domains, known scam domains, domains not allowed."""

from __future__ import annotations

from cogs.moderation.activity import Seen
from cogs.moderation.links import find_invites, find_links, listed
from cogs.moderation.settings import Rule


def check(rule: Rule, seen: Seen) -> str | None:
    """An invite, a denied or known scam domain, or a domain outside the allowed ones."""
    spec = rule.links
    if spec is None:
        return None
    text = seen.facts.text
    if spec.invites:
        codes = [c for c in find_invites(text) if c not in spec.allow_invites]
        if codes:
            return f"invite link ({codes[0]})"
    if spec.denied or spec.scam_domains or spec.allow_only:
        for link in find_links(text):
            if spec.allowed and listed(link.domain, spec.allowed):
                continue
            if listed(link.domain, spec.denied):
                return f"denied domain {link.domain}"
            # a known scam domain named in a sentence ("dlscord.gift is a scam, don't click") is a
            # warning to others, not a link: only a scheme, www. or a path makes it one
            if spec.scam_domains and link.explicit and listed(link.domain, seen.scam_domains):
                return f"known scam domain {link.domain}"
            if spec.allow_only and link.explicit:
                return f"domain not allowed: {link.domain}"
    return None


def domainish(text: str) -> bool:
    """Whether some dot in the text has two letters after it, as the last dot of every domain the link
    and invite patterns find has (``isalpha`` holds for every letter they take, case-folded ones too)."""
    at = text.find(".")
    while at != -1:
        if text[at + 1:at + 3].isalpha() and at + 3 <= len(text):
            return True
        at = text.find(".", at + 1)
    return False
