"""The capability gate: every action passes here on its way to the adapter that performs it.

It prepares each action for its recipient (``prepare``: member preferences, zones), takes the
documented fallback for what the platform can only partly do (:func:`bot.delivery.degrade`),
refuses what it cannot do at all (saying so in the mod log), hands the rest to ``deliver`` (the
outbox, in a running Steward), turns an adapter's crash into a failure, and remembers which
messages Steward deleted.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable

from bot.actions import Action, ActionResult, BulkDelete, DeleteMessage, SendMessage
from bot.adapter import Adapter
from bot.community import Community
from bot.content import Content, fmt
from bot.delivery import Preparer, degrade
from bot.platforms import Platforms
from bot.policies import fallback_for
from bot.refs import MessageRef

log = logging.getLogger(__name__)

Deliver = Callable[[Adapter, Action, Community | None], Awaitable[ActionResult]]


async def perform_now(adapter: Adapter, action: Action, community: Community | None) -> ActionResult:
    """Hand the action straight to its adapter."""
    return await adapter.perform(action)


class CapabilityGate:
    """Checks each action against its adapter's capabilities, then delivers it."""

    def __init__(self, platforms: Platforms, *, deliver: Deliver = perform_now, preparer: Preparer | None = None,
                 remember: int = 10_000) -> None:
        self.platforms = platforms
        self.deliver = deliver
        self.preparer = preparer
        self.remember = remember
        self._deleted: OrderedDict[MessageRef, None] = OrderedDict()
        self.deletions = 0  # how many times messages were noted as deleted (the dispatcher asks again only then)
        self.observe: Callable[[Action, ActionResult], None] | None = None  # the operations metrics

    async def perform(self, action: Action, community: Community | None) -> ActionResult:
        """Check the adapter's capability, perform, and report what could not be done."""
        result = await self._perform(action, community)
        if self.observe is not None:
            self.observe(action, result)
        return result

    async def _perform(self, action: Action, community: Community | None) -> ActionResult:
        if community is not None and self.preparer is not None:
            prepared = await self.preparer.prepare(action, community)
            if isinstance(prepared, ActionResult):
                return prepared
            action = prepared
        adapter = self.platforms.get(action.platform)
        if adapter is None:
            return ActionResult.failure(action, f"platform {action.platform} is not running", "no_platform")
        missing = action.needs() - adapter.capabilities
        fallback = degrade(action, missing) if missing else None
        if fallback is not None:
            degraded, note = fallback
            log.info("fallback on %s: %s", action.platform, note)
            result = await self._perform(degraded, community)
            if community is not None:  # after the message, so the note reads as being about it
                await self._note(community, action.platform, fmt("Note: {platform} {note}.",
                                                                 platform=action.platform, note=note))
            return result
        if missing:
            capability = sorted(missing)[0]
            log.warning("unsupported on %s: %s", action.platform, type(action).__name__)
            if community is not None and not isinstance(action, SendMessage):
                await self._note(community, action.platform, fmt(
                    "Note: {platform} does not let Steward {what} ({action}); nothing was done for that step.",
                    platform=action.platform, what=capability.value, action=type(action).__name__))
            return ActionResult.failure(action, f"{action.platform} does not let a bot {capability.value}",
                                        "unsupported")
        try:
            result = await self.deliver(adapter, action, community)
        except Exception as exc:
            log.exception("%s failed on %s", type(action).__name__, action.platform)
            return ActionResult.failure(action, f"{type(exc).__name__}: {exc}", "error")
        if result.ok and isinstance(action, (DeleteMessage, BulkDelete)):
            self._forget_later(action.messages if isinstance(action, BulkDelete) else (action.message,))
        if not result.ok:
            log.warning("%s on %s: %s", type(action).__name__, action.platform, result.error)
            instead = fallback_for(result)
            if instead is not None:
                log.warning("%s on %s: %s, so %s instead", type(action).__name__, action.platform, result.code,
                         type(instead).__name__)
                done = await self._perform(instead, community)
                return (ActionResult.success(action, done.message) if done.ok
                        else ActionResult.failure(action, done.error, done.code))
        return result

    async def perform_all(self, actions: Iterable[Action], community: Community | None) -> None:
        """Perform actions one after the other, in order."""
        for action in actions:
            await self.perform(action, community)

    def was_deleted(self, message: MessageRef) -> bool:
        """Whether Steward deleted this message (so later handlers don't treat it as conversation)."""
        return message in self._deleted

    def _forget_later(self, messages: Iterable[MessageRef]) -> None:
        self.deletions += 1
        for ref in messages:
            self._deleted[ref] = None
        while len(self._deleted) > self.remember:
            self._deleted.popitem(last=False)

    async def _note(self, community: Community, platform: str, content: Content) -> None:
        channel = community.channel("modlog", platform)
        if channel is None:
            log.warning("no mod-log channel on %s for: %s", platform, content.plain())
            return
        await self.perform(SendMessage(channel=channel, content=content), community)
