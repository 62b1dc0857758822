"""The cog base class and the decorators that declare handlers, commands, buttons, forms and jobs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action
from bot.calendars import Recurrence
from bot.capabilities import Capability
from bot.commands import CommandSpec, Param
from bot.components import Form, FormField
from bot.events import Event
from bot.facts import Fact
from bot.permissions import Level
from bot.persons import PersonId
from bot.signatures import params_from

if TYPE_CHECKING:
    from bot.context import CogContext

F = TypeVar("F", bound=Callable[..., Any])
HandlerResult = Action | Iterable[Action] | None


def on(*event_types: type[Event] | type[Fact], priority: int = 0) -> Callable[[F], F]:
    """Handle these platform events or facts; lower ``priority`` runs first (moderation uses -100)."""
    def mark(fn: F) -> F:
        fn._steward_on = (event_types, priority)  # type: ignore[attr-defined]
        return fn
    return mark


def command(name: str, description: str, *, level: Level = Level.MEMBER,
            params: Iterable[Param] | None = None, aliases: Iterable[str] = (),
            direct: bool = False) -> Callable[[F], F]:
    """Declare a command; the method receives the event and one keyword per parameter.

    The parameters are read from the method's signature (:mod:`bot.signatures`) unless
    ``params`` lists them explicitly.

    ``direct``: members may also use it in a direct message with Steward (platforms where
    server commands are not available in DMs publish it there too).
    """
    def mark(fn: F) -> F:
        fn._steward_command = CommandSpec(  # type: ignore[attr-defined]
            name=name, description=description, level=level, params=tuple(params or ()),
            method=fn.__name__, aliases=tuple(aliases), direct=direct)
        fn._steward_params_given = params is not None  # type: ignore[attr-defined]
        return fn
    return mark


def button(name: str, *, level: Level = Level.MEMBER) -> Callable[[F], F]:
    """Handle presses of buttons and selects whose action is ``<cog>:<name>``; below ``level`` a press is refused."""
    def mark(fn: F) -> F:
        fn._steward_button = (name, ComponentSpec(fn.__name__, level))  # type: ignore[attr-defined]
        return fn
    return mark


def form(name: str, *, fields: Iterable[FormField] = (), level: Level = Level.MEMBER) -> Callable[[F], F]:
    """Handle submissions (and cancellations) of forms whose action is ``<cog>:<name>``.

    ``fields`` is the form's schema: the dispatcher checks every submission against it (required,
    length, choices) and answers per field instead of calling the handler; :meth:`Cog.declared_form`
    builds the form to open from it.
    """
    def mark(fn: F) -> F:
        fn._steward_form = (name, ComponentSpec(fn.__name__, level, tuple(fields)))  # type: ignore[attr-defined]
        return fn
    return mark


def job(kind: str) -> Callable[[F], F]:
    """Run scheduled jobs of ``<cog>.<kind>``; the method receives a :class:`~bot.scheduler.JobRun`."""
    def mark(fn: F) -> F:
        fn._steward_job = kind  # type: ignore[attr-defined]
        return fn
    return mark


def every(*, cron: str | None = None, rrule: str | None = None, tz: str = "community",
          name: str | None = None) -> Callable[[F], F]:
    """Run the method on a calendar (a cron expression or an RRULE) in ``tz``.

    ``tz`` is ``"community"`` (the community's time zone) or an IANA name. The method receives
    a :class:`~bot.scheduler.JobRun` whose ``key`` names the occurrence (``qotd:2026-01-05T09:00``).
    A bad expression raises at import, so it cannot reach production.
    """
    def mark(fn: F) -> F:
        if (cron is None) == (rrule is None):
            raise TypeError("@every needs exactly one of cron= or rrule=")
        when = Recurrence.parse(cron if cron is not None else str(rrule))
        fn._steward_every = (name or fn.__name__, when, tz)  # type: ignore[attr-defined]
        return fn
    return mark


@dataclass(frozen=True)
class ComponentSpec:
    """A button or form handler: its method, the level it needs and (forms) the fields it takes."""

    method: str
    level: Level = Level.MEMBER
    fields: tuple[FormField, ...] = ()


@dataclass(frozen=True)
class CogTable:
    """What a cog class declares, collected once per class."""

    events: tuple[tuple[type[Event], int, str], ...] = ()
    commands: tuple[CommandSpec, ...] = ()
    buttons: dict[str, ComponentSpec] = field(default_factory=dict)
    forms: dict[str, ComponentSpec] = field(default_factory=dict)
    jobs: dict[str, str] = field(default_factory=dict)
    facts: tuple[tuple[type[Fact], int, str], ...] = ()
    calendars: tuple[tuple[str, Recurrence, str, str], ...] = ()  # name, when, tz, method


@dataclass(frozen=True)
class Page:
    """A page a cog serves on the operations endpoint (``/report``), behind its bearer token."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200


class NoSettings(BaseModel):
    """Settings model of a cog that has none."""


class Cog:
    """Base of every feature module. One instance per community, built from its config section.

    Subclasses set ``name`` (the YAML section), ``settings_model``, when they own tables
    ``migrations`` (their Alembic versions folder, with a branch label of their own), and in
    ``requires`` what every platform of their community must be able to do (start-up stops otherwise).
    """

    name: ClassVar[str] = ""
    settings_model: ClassVar[type[BaseModel]] = NoSettings
    migrations: ClassVar[Path | None] = None
    requires: ClassVar[frozenset[Capability]] = frozenset()
    _table: ClassVar[CogTable]

    def __init__(self, ctx: CogContext) -> None:
        self.ctx = ctx

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        events: list[tuple[type[Event], int, str]] = []
        commands: list[CommandSpec] = []
        buttons: dict[str, ComponentSpec] = {}
        forms: dict[str, ComponentSpec] = {}
        jobs: dict[str, str] = {}
        facts: list[tuple[type[Fact], int, str]] = []
        calendars: list[tuple[str, Recurrence, str, str]] = []
        for attr in dir(cls):
            fn = getattr(cls, attr, None)
            if fn is None or not callable(fn):
                continue
            if hasattr(fn, "_steward_on"):
                types, priority = fn._steward_on
                events.extend((t, priority, attr) for t in types if not issubclass(t, Fact))
                facts.extend((t, priority, attr) for t in types if issubclass(t, Fact))
            if hasattr(fn, "_steward_command"):
                declared: CommandSpec = fn._steward_command
                params = declared.params if fn._steward_params_given else params_from(fn)
                commands.append(replace(declared, cog=cls.name, method=attr, params=params))
            for marker, into in (("_steward_button", buttons), ("_steward_form", forms)):
                if hasattr(fn, marker):
                    component, handler = getattr(fn, marker)
                    into[component] = replace(handler, method=attr)
            if hasattr(fn, "_steward_job"):
                jobs[fn._steward_job] = attr
            if hasattr(fn, "_steward_every"):
                cal_name, when, tz = fn._steward_every
                calendars.append((cal_name, when, tz, attr))
        cls._table = CogTable(tuple(events), tuple(commands), buttons, forms, jobs, tuple(facts), tuple(calendars))

    @classmethod
    def table(cls) -> CogTable:
        """The handlers this cog class declares."""
        return cls._table

    @property
    def settings(self) -> Any:
        """This community's section for the cog."""
        return self.ctx.settings

    def action_id(self, name: str) -> str:
        """The component action id ``<cog>:<name>`` for buttons and forms of this cog."""
        return f"{self.name}:{name}"

    def declared_form(self, name: str, title: str, *, value: str = "", intro: str = "") -> Form:
        """The form ``@form(name, fields=...)`` declares, ready to open."""
        spec = self.table().forms.get(name)
        if spec is None or not spec.fields:
            raise LookupError(f"{type(self).__name__} declares no fields for the form {name!r}")
        return Form(self.action_id(name), title, spec.fields, value=value, intro=intro)

    async def setup(self) -> None:
        """Called once the community's names are resolved and before events arrive."""

    async def teardown(self) -> None:
        """Called before the instance is replaced (reload) or Steward stops."""

    async def merge_persons(self, session: AsyncSession, source: PersonId, into: PersonId) -> int:
        """Re-key every row of ``source`` to ``into`` in the given transaction; returns rows moved.

        The core calls it for every cog enabled in the community, one transaction per cog.
        """
        return 0

    async def delete_member_data(self, session: AsyncSession, person: PersonId) -> int:
        """Erase every row about ``person`` in the given transaction; returns how many went."""
        return 0

    async def page(self, name: str, query: Mapping[str, str]) -> Page | None:
        """The operations endpoint's page ``/<name>`` for this community, if this cog serves it (None: not)."""
        return None

