"""The one pipeline every event goes through: middleware with ``next``, then matched handlers."""

from __future__ import annotations

import difflib
import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from bot.actions import Action, DeleteMessage, Reply
from bot.clock import Clock
from bot.commands import ArgumentError, CommandSpec, parse_args
from bot.community import Community
from bot.content import CommandMention, Content, Segment, fmt, text
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    FormCancelled,
    FormSubmitted,
    MessageEdited,
    MessagePosted,
    Origin,
    with_community,
)
from bot.forms import form_refusal
from bot.gate import CapabilityGate
from bot.middleware import Dedupe, Dispatch, Middleware, Next, RateLimit, SeenElsewhere, only_for
from bot.permissions import Level
from bot.platforms import Platforms

if TYPE_CHECKING:
    from bot.cog import Cog
    from bot.telemetry import Telemetry

__all__ = ["Dedupe", "Dispatch", "Dispatcher", "Host", "Middleware", "Next", "RateLimit", "SeenElsewhere",
           "help_content", "only_for"]

log = logging.getLogger(__name__)
INTERACTIONS = (CommandInvoked, ButtonPressed, FormSubmitted)
ROUTED = (CommandInvoked, ButtonPressed, FormSubmitted, FormCancelled)  # to one handler each, by name


class Host(Protocol):
    """What the dispatcher needs from the runtime."""

    platforms: Platforms
    gate: CapabilityGate
    clock: Clock

    def community_for(self, platform: str, scope: str) -> Community | None:
        ...

    def cogs_of(self, community: str) -> Sequence[Cog]:
        ...


class Dispatcher:
    """Runs the middleware chain, then routes the event to the matching cog handlers."""

    def __init__(self, host: Host, middleware: Sequence[Middleware] | None = None) -> None:
        self.host = host
        self.middleware: list[Middleware] = list(middleware) if middleware is not None else [
            Dedupe(), self._community, self._permissions, RateLimit(lambda: host.clock.now())]
        # the middleware list the chains were built from, and one chain per event type
        self._chains: tuple[tuple[Middleware, ...], dict[type[Event], Next]] = ((), {})
        # (event type, the cogs list it was built from) -> handlers in order; a reload builds new lists
        self._handlers: dict[tuple[type[Event], int], tuple[Sequence[Cog], list[tuple[Cog, str]]]] = {}
        self.telemetry: Telemetry | None = None  # counts events and handler errors when operations are on
        # told of every handler that raised (exception, event, which handler): bot.outage counts the
        # writes a database outage cost
        self.failed: Callable[[BaseException, Event, str], None] = lambda _exc, _event, _where: None

    def _bound(self, etype: type[Event]) -> Next:
        """The middleware chain for one event type, built once (and again only if the middleware list
        changes), without the middleware that declare they act only on other types."""
        current = tuple(self.middleware)
        built, chains = self._chains
        if built != current:
            chains = {}
            self._chains = (current, chains)
        chain = chains.get(etype)
        if chain is None:
            # the chain's end: commands and components are routed to one handler, other events go to
            # every handler of their type (its own coroutine, not one more layer: every message ends there)
            chain = self._route if issubclass(etype, ROUTED) else self._events
            for mw in reversed(current):
                types = only_for(mw)
                if types is None or issubclass(etype, types):
                    chain = _bind(mw, chain)
            chains[etype] = chain
        return chain

    async def dispatch(self, event: Event, *, relayed: bool = False) -> list[Action]:
        """Process one event; perform and return the actions its handlers produced."""
        state = Dispatch(event, relayed=relayed)
        if self.telemetry is not None:
            self.telemetry.event(type(event))
        await self._bound(type(event))(state)
        if state.actions:
            await self.host.gate.perform_all(state.actions, state.community)
        return state.actions

    async def _community(self, d: Dispatch, nxt: Next) -> None:
        """Ignore what Steward itself caused, then find the event's community (one layer, not two: every
        event passes here)."""
        if self.host.platforms.is_self(d.event):
            return
        community = self.host.community_for(d.event.platform, d.event.scope)
        if community is None:
            if isinstance(d.event, (CommandInvoked, ButtonPressed, FormSubmitted)):
                d.actions.append(Reply(origin=d.event.origin, content=text(
                    "Steward isn't set up for this server or workspace yet — ask an admin to add it to the config.")))
            log.debug("no community for %s scope %s", d.event.platform, d.event.scope)
            return
        d.community = community
        d.event = with_community(d.event, community.name)
        await nxt(d)

    async def _permissions(self, d: Dispatch, nxt: Next) -> None:
        if d.community is not None and isinstance(d.event, INTERACTIONS):
            d.level = await self.host.platforms.level(d.community, d.event)
        await nxt(d)

    _permissions.only = INTERACTIONS  # type: ignore[attr-defined]  # plain events stay at member level

    async def _route(self, d: Dispatch) -> None:
        event, community = d.event, d.community
        if community is None:
            return
        cogs = self.host.cogs_of(community.name)
        try:
            if isinstance(event, CommandInvoked):
                await self._command(d, event, community, cogs)
            elif isinstance(event, (ButtonPressed, FormSubmitted, FormCancelled)):
                await self._component(d, event, cogs)
            else:  # a chain built before the event types were routed apart
                await self._events(d)
        except Exception as exc:
            if self.telemetry is not None:
                self.telemetry.failed(_culprit(event, cogs), type(event).__name__)
            self.failed(exc, event, "a command or form" if isinstance(event, INTERACTIONS) else "a handler")
            _failed(d, event)

    def _handlers_for(self, event: Event, cogs: Sequence[Cog]) -> list[tuple[Cog, str]]:
        key = (type(event), id(cogs))
        cached = self._handlers.get(key)
        if cached is not None and cached[0] is cogs:
            return cached[1]
        found: list[tuple[int, int, Cog, str]] = []
        for i, cog in enumerate(cogs):
            for etype, priority, method in cog.table().events:
                if isinstance(event, etype):
                    found.append((priority, i, cog, method))
        found.sort(key=lambda h: (h[0], h[1]))
        if len(self._handlers) > 1000:  # many reloads: start over rather than grow
            self._handlers.clear()
        handlers = [(cog, method) for _p, _i, cog, method in found]
        self._handlers[key] = (cogs, handlers)
        return handlers

    async def _events(self, d: Dispatch) -> None:
        event, community = d.event, d.community
        if community is None:
            return
        try:
            handlers = self._handlers_for(event, self.host.cogs_of(community.name))
        except Exception:
            _failed(d, event)
            return
        posted = event if isinstance(event, (MessagePosted, MessageEdited)) else None
        gate = self.host.gate
        deletions = -1  # the gate's deletion count when this message was last looked up there
        last = len(handlers) - 1
        for i, (cog, method) in enumerate(handlers):
            try:
                result = await getattr(cog, method)(event)
                if result is not None and result != []:  # most handlers return nothing for most events
                    _collect(d.actions, result, f"{cog.name}.{method}")
            except Exception as exc:
                log.exception("%s.%s failed on %s", cog.name, method, type(event).__name__)
                if self.telemetry is not None:
                    self.telemetry.failed(cog.name, type(event).__name__)
                self.failed(exc, event, cog.name)
                continue
            if posted is None or i == last:
                continue  # after the last handler there is nothing left to stop
            # the message is gone: later handlers must not treat it as conversation. Looking it up
            # hashes a MessageRef, so it is asked again only when the gate deleted something since.
            if deletions != gate.deletions:
                deletions = gate.deletions
                if gate.was_deleted(posted.message):
                    break
            if d.actions and _stops(d.actions, posted):
                break

    async def _command(self, d: Dispatch, event: CommandInvoked, community: Community,
                       cogs: Sequence[Cog]) -> None:
        found = _find_command(event.command, cogs)
        if found is None:
            names = sorted({s.name for c in cogs for s in c.table().commands
                            if s.level <= d.level})
            close = difflib.get_close_matches(event.command.lower(), names, n=1)
            hint = fmt(" Did you mean {c}?", c=CommandMention(close[0])) if close else text("")
            d.actions.append(Reply(origin=event.origin, content=fmt(
                "Unknown command /{name}.{hint} Type {help} for the list.", name=event.command, hint=hint,
                help=CommandMention("help"))))
            return
        cog, spec = found
        if d.level < spec.level:
            d.actions.append(Reply(origin=event.origin, content=fmt(
                "{name} is for {level}s; you can't use it here.", name=CommandMention(spec.name),
                level=text(spec.level.label))))
            return
        try:
            kwargs = await parse_args(spec, event.raw, event.options, scope=event.scope,
                                      resolver=self.host.platforms.resolver(event.platform), tz=community.tz,
                                      now=self.host.clock.now())
        except ArgumentError as exc:
            d.actions.append(Reply(origin=event.origin,
                                   content=fmt("{name}: {why}", name=CommandMention(spec.name), why=str(exc))))
            return
        method = getattr(cog, spec.method)
        _collect(d.actions, await method(event, **kwargs, **_level_for(method, d.level)), f"{cog.name}.{spec.method}")

    async def _component(self, d: Dispatch, event: ButtonPressed | FormSubmitted | FormCancelled,
                         cogs: Sequence[Cog]) -> None:
        cog_name, _, name = event.action.partition(":")
        for cog in cogs:
            if cog.name != cog_name:
                continue
            table = cog.table().buttons if isinstance(event, ButtonPressed) else cog.table().forms
            spec = table.get(name)
            if spec is None:
                continue
            if d.level < spec.level and not isinstance(event, FormCancelled):
                what = "button" if isinstance(event, ButtonPressed) else "form"
                d.actions.append(Reply(origin=event.origin, content=fmt(
                    "That {what} is for {level}s; you can't use it here.", what=text(what),
                    level=text(spec.level.label))))
                return
            refusal = form_refusal(spec.fields, event) if isinstance(event, FormSubmitted) else None
            if refusal is not None:
                d.actions.append(refusal)
                return
            method = getattr(cog, spec.method)
            _collect(d.actions, await method(event, **_level_for(method, d.level)), f"{cog.name}.{spec.method}")
            return
        if isinstance(event, FormCancelled):
            return
        d.actions.append(Reply(origin=event.origin, content=text(
            "That button or form is no longer active here.")))


def _failed(d: Dispatch, event: Event) -> None:
    """Log a failure outside any one handler; a person who asked for something is told."""
    ref = uuid.uuid4().hex[:8]
    log.exception("handler failed (ref %s) for %s", ref, type(event).__name__)
    origin = getattr(event, "origin", None)
    if isinstance(origin, Origin):
        d.actions.append(Reply(origin=origin, content=fmt(
            "Something went wrong on Steward's side (ref {ref}). The error is logged; "
            "please try again or tell a moderator.", ref=ref)))


def _culprit(event: Event, cogs: Sequence[Cog]) -> str:
    """The cog whose command, button or form raised."""
    if isinstance(event, CommandInvoked):
        found = _find_command(event.command, cogs)
        return found[0].name if found is not None else "core"
    if isinstance(event, (ButtonPressed, FormSubmitted, FormCancelled)):
        return event.action.partition(":")[0]
    return "core"


def _level_for(method: Callable[..., Any], level: Level) -> dict[str, Level]:
    """``level=`` for a handler that takes it: the level the dispatcher already resolved."""
    return {"level": level} if "level" in inspect.signature(method).parameters else {}


def _bind(mw: Middleware, nxt: Next) -> Next:
    # a plain function handing back the middleware's own coroutine: no extra coroutine per layer per event
    def run(d: Dispatch) -> Awaitable[None]:
        return mw(d, nxt)
    return run


def _collect(into: list[Action], result: object, handler: str) -> None:
    """Add what a handler returned; anything but None, an action or actions is the handler's bug."""
    if result is None:
        return
    if isinstance(result, Action):
        into.append(result)
        return
    if isinstance(result, Iterable) and not isinstance(result, (str, bytes, Mapping)):
        items = list(result)
        wrong = next((item for item in items if not isinstance(item, Action)), None)
        if wrong is None:
            into.extend(items)
            return
        raise TypeError(f"{handler} returned {wrong!r} among its actions; handlers return actions only")
    raise TypeError(f"{handler} returned {result!r}; a handler returns an action, a list of actions or None")


def _stops(actions: list[Action], event: MessagePosted | MessageEdited) -> bool:
    return any(isinstance(a, DeleteMessage) and a.message == event.message for a in actions)


def _find_command(name: str, cogs: Sequence[Cog]) -> tuple[Cog, CommandSpec] | None:
    name = name.lower().lstrip("/")
    for cog in cogs:
        for spec in cog.table().commands:
            if spec.name == name or name in spec.aliases:
                return cog, spec
    return None


def help_content(commands: Sequence[CommandSpec], level: Level) -> Content:
    """The /help listing for a level."""
    usable = sorted((c for c in commands if c.level <= level), key=lambda c: (c.level, c.name))
    segments: list[Segment] = ["Commands you can use:"]
    for spec in usable:
        args = " ".join(p.usage() for p in spec.params)
        segments += ["\n  ", CommandMention(spec.name, args), " — ", spec.description]  # the cog's own words
    return Content(tuple(segments))
