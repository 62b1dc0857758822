"""The capability contract: for each capability, a canonical action (or inbound check) every adapter
that declares the capability must perform ``ok`` against its platform (or fake).

A contract cog performs the canonical actions from inside a real command, so each goes through the
whole path: platform payload → adapter → dispatcher → cog → capability gate → adapter → platform.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.actions import (
    Action,
    ActionResult,
    AddReaction,
    AddRole,
    BanMember,
    BulkDelete,
    CancelScheduledEvent,
    CreateThread,
    DeleteMessage,
    EditMessage,
    File,
    KickMember,
    LockChannel,
    OpenForm,
    RemoveRole,
    RemoveTimeout,
    Reply,
    ScheduleEvent,
    SendDirect,
    SendMessage,
    SetSlowmode,
    ShowOnHome,
    TimeoutMember,
    UnbanMember,
)
from bot.capabilities import Capability
from bot.cog import Cog, command, on
from bot.commands import Param, ParamType
from bot.components import Button, Form, FormField
from bot.content import text
from bot.events import CommandInvoked, MessagePosted
from bot.refs import UserRef

# A step builds the next action from the results so far (an edit needs the message just sent).
Step = Callable[[list[ActionResult]], Action]
TARGETED = (Capability.TIMEOUT, Capability.KICK, Capability.BAN, Capability.ROLES)  # need a member to act on
INBOUND = (Capability.READ_MESSAGES,)
PROBE = "the contract's probe message"


class ContractCog(Cog):
    """Performs the canonical actions of one capability when ``/contract <capability> [member]`` is used."""

    name = "contract"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.results: dict[str, list[ActionResult]] = {}
        self.read: list[str] = []

    @command("contract", "Perform a capability's canonical actions.",
             params=[Param("capability", ParamType.TEXT), Param("member", ParamType.MEMBER, required=False)])
    async def contract(self, event: CommandInvoked, capability: str, member: UserRef | None) -> None:
        results: list[ActionResult] = []
        for step in steps(Capability(capability), self, event, member):
            results.append(*await self.ctx.perform(step(results)))
        self.results[capability] = results

    @on(MessagePosted)
    async def reading(self, event: MessagePosted) -> None:
        self.read.append(event.text)


def steps(cap: Capability, cog: ContractCog, event: CommandInvoked, member: UserRef | None) -> list[Step]:
    """The canonical actions of a capability, built from the invoking command."""
    origin, platform, scope, now = event.origin, event.platform, event.scope, cog.ctx.now()
    general = cog.ctx.community.channel("#general", platform)
    assert general is not None, "every contract world has #general"

    def send(_: list[ActionResult]) -> Action:
        return SendMessage(channel=general, content=text(f"contract: {cap.value}"))

    def last_message(results: list[ActionResult]) -> object:
        message = results[-1].message
        assert message is not None, f"{type(results[-1].action).__name__} returned no message ref"
        return message

    target = member or origin.user
    role = cog.ctx.community.role("Members", platform)
    table: dict[Capability, list[Step]] = {
        Capability.SEND: [send],
        Capability.EDIT: [send, lambda r: EditMessage(message=last_message(r), content=text("edited"))],  # type: ignore[arg-type]
        Capability.EPHEMERAL: [lambda _: Reply(origin=origin, content=text("only you"), ephemeral=True)],
        Capability.DIRECT: [lambda _: SendDirect(user=origin.user, content=text("a direct message"), scope=scope)],
        Capability.DELETE: [send, lambda r: DeleteMessage(message=last_message(r))],  # type: ignore[arg-type]
        Capability.BULK_DELETE: [send, send, lambda r: BulkDelete(
            channel=general, messages=tuple(x.message for x in r if x.message is not None))],
        Capability.TIMEOUT: [lambda _: TimeoutMember(scope=scope, user=target, until=now + timedelta(minutes=10)),
                             lambda _: RemoveTimeout(scope=scope, user=target)],
        Capability.KICK: [lambda _: KickMember(scope=scope, user=target)],
        Capability.BAN: [lambda _: BanMember(scope=scope, user=target),
                         lambda _: UnbanMember(scope=scope, user=target)],
        Capability.ROLES: [lambda _: AddRole(scope=scope, user=target, role=role),  # type: ignore[arg-type]
                           lambda _: RemoveRole(scope=scope, user=target, role=role)],  # type: ignore[arg-type]
        Capability.REACT: [send, lambda r: AddReaction(message=last_message(r), emoji="👍")],  # type: ignore[arg-type]
        Capability.BUTTONS: [lambda _: SendMessage(channel=general, content=text("press").with_buttons(
            Button("Press", cog.action_id("press"), "1")))],
        Capability.FORMS: [lambda _: OpenForm(origin=origin, form=Form(cog.action_id("form"), "Contract", (
            FormField("answer", "Answer"),)))],
        Capability.SLOWMODE: [lambda _: SetSlowmode(channel=general, seconds=5),
                              lambda _: SetSlowmode(channel=general, seconds=0)],
        Capability.LOCK: [lambda _: LockChannel(channel=general), lambda _: LockChannel(channel=general, locked=False)],
        Capability.THREADS: [lambda _: CreateThread(channel=general, name="contract", content=text("in a thread")),
                             lambda r: SendMessage(channel=general, content=text("a reply in the thread"),
                                                   thread=r[-1].message)],
        Capability.FILES: [lambda _: SendMessage(channel=general, content=text("a file"),
                                                 files=(File("contract.txt", b"contract\n", "text/plain"),))],
        Capability.SCHEDULED_EVENTS: [
            lambda _: ScheduleEvent(platform_name=platform, scope=scope, name="Contract meetup",
                                    start=now + timedelta(days=1), end=now + timedelta(days=1, hours=2),
                                    location="Online"),
            lambda r: CancelScheduledEvent(platform_name=platform, scope=scope, event=r[-1].ref)],
        Capability.HOME: [lambda _: ShowOnHome(scope=scope, user=origin.user, section="Contract",
                                               content=text("on your home"))],
    }
    return table[cap]


Invoke = Callable[[Capability, "str | None"], Awaitable[None]]


async def failures(cog: Callable[[], ContractCog], capabilities: frozenset[Capability], invoke: Invoke,
                   post: Callable[[str], Awaitable[None]], wait: Callable[[Callable[[], object]], Awaitable[object]],
                   targets: dict[Capability, str]) -> tuple[set[str], dict[str, str]]:
    """Every declared capability checked: (what was checked, what failed and why — empty: the contract holds)."""
    failed: dict[str, str] = {}
    for cap in sorted(capabilities):
        if cap in INBOUND:
            await post(PROBE)
            if not await _waited(wait, lambda: PROBE in cog().read):
                failed[cap.value] = "a member's message arrived without its text"
            continue
        await invoke(cap, targets.get(cap))
        if not await _waited(wait, lambda c=cap: c.value in cog().results):  # type: ignore[misc]
            failed[cap.value] = "the contract command never finished"
            continue
        bad = [f"{type(r.action).__name__}: {r.code} {r.error}" for r in cog().results[cap.value] if not r.ok]
        if bad:
            failed[cap.value] = "; ".join(bad)
    return {c.value for c in capabilities}, failed


async def _waited(wait: Callable[[Callable[[], object]], Awaitable[object]], check: Callable[[], object]) -> bool:
    try:
        await wait(check)
    except (AssertionError, TimeoutError):
        return False
    return True
