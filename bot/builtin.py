"""Core commands every community has: /help, /about, /settings, /reload; and the core's own
member data (preferences, the facts log) in merges and deletions."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import __version__
from bot.actions import Reply
from bot.cog import Cog, command, on
from bot.commands import CommandSpec, Param, ParamType
from bot.content import CommandMention, Content, Segment, fmt, text
from bot.dispatcher import help_content
from bot.events import AccountDeleted, CommandInvoked
from bot.facts import PreferenceChanged, facts_log
from bot.permissions import Level
from bot.persons import PersonId, Report
from bot.preferences import find_zone, preferences
from bot.refs import UserRef

_ON = {"on": True, "yes": True, "true": True, "off": False, "no": False, "false": False}


def forgotten(report: Report) -> Content:
    """What a deletion did, per feature: ``Erased 4 row(s) that named that member: analytics 3, core 1.``"""
    rows = sum(report.rows.values())
    per = ", ".join(f"{cog} {n}" for cog, n in sorted(report.rows.items(), key=lambda kv: (-kv[1], kv[0])))
    if report.failed:
        return fmt("Erased {rows} row(s) ({per}), but {failed} failed and kept theirs (logged); run /forget again "
                   "to retry.", rows=rows, per=per or "none", failed=", ".join(report.failed))
    return fmt("Erased {rows} row(s) that named that member: {per}.", rows=rows, per=per or "no feature kept any")


class CoreCog(Cog):
    """Built-in commands."""

    name = "core"

    @command("help", "List the commands you can use, or every parameter of one: /help ban.", params=[
        Param("command", ParamType.TEXT, "a command, to see each of its parameters", required=False)])
    async def help(self, event: CommandInvoked, level: Level, command: str | None = None) -> Reply:
        """List commands by the invoker's level (the one the dispatcher resolved), or explain one."""
        if command is None:
            return Reply(origin=event.origin, content=help_content(self.ctx.commands(), level))
        return Reply(origin=event.origin, content=command_help(self.ctx.commands(), level, command))

    @command("about", "What Steward is and which features are on here.")
    async def about(self, event: CommandInvoked) -> Reply:
        """Version and enabled features."""
        cogs = sorted(self.ctx.community.config.cog_sections())
        features = ", ".join(cogs) if cogs else "core commands only"
        return Reply(origin=event.origin, content=fmt(
            "Steward {version} — community operations for Discord and Slack.\n"
            "Community: {name}. Features on: {features}.", version=__version__, name=self.ctx.community.name,
            features=features))

    @command("settings", "See or change your preferences: time zone, DMs, language.", params=[
        Param("setting", ParamType.CHOICE, "what to change", required=False, choices=("timezone", "dm", "language")),
        Param("value", ParamType.TEXT, "the new value (Europe/Berlin, on/off, en)", required=False)])
    async def settings_command(self, event: CommandInvoked, setting: str | None = None,
                               value: str | None = None) -> Reply:
        """Show or change the invoker's preferences."""
        person = await self.ctx.person(event.user)
        prefs = await self.ctx.preferences(person)
        if setting is None:
            zone = prefs.timezone or self.ctx.community.tz.key + " (the community's)"
            return Reply(origin=event.origin, content=fmt(
                "Your settings: time zone {zone}; DMs {dms}; language {language}.\n"
                "Change one with /settings timezone Europe/Berlin, /settings dm off or /settings language en.",
                zone=zone, dms="on" if prefs.dms else "off", language=prefs.language or "en"))
        value = (value or "").strip()
        if not value:
            return Reply(origin=event.origin, content=text({
                "timezone": "/settings timezone: give a value, e.g. /settings timezone Europe/Berlin",
                "dm": "/settings dm: give a value, e.g. /settings dm off",
                "language": "/settings language: give a value, e.g. /settings language en"}[setting]))
        if setting == "timezone":
            found, close = find_zone(value)
            if found is None:
                if close:
                    return Reply(origin=event.origin, content=fmt("Unknown time zone “{zone}”. Did you mean {close}?",
                                                                  zone=value[:64], close=", ".join(close)))
                return Reply(origin=event.origin, content=fmt(
                    "Unknown time zone “{zone}”. Use a name like Europe/Berlin or America/New_York.", zone=value[:64]))
            await self.ctx.services.members.prefs.set(person, timezone=found)
            answer = fmt("Your time zone is now {zone}: times Steward writes out are shown in it.", zone=found)
        elif setting == "dm":
            flag = _ON.get(value.lower())
            if flag is None:
                return Reply(origin=event.origin, content=text("/settings dm: write on or off."))
            await self.ctx.services.members.prefs.set(person, dms=flag)
            answer = text("DMs from Steward are on." if flag else
                          "DMs from Steward are off: messages for you will come in the channel, mentioning you.")
        else:
            if not value.isascii() or not value.replace("-", "").isalpha() or len(value) > 16:
                return Reply(origin=event.origin, content=text("/settings language: write a language code like en."))
            await self.ctx.services.members.prefs.set(person, language=value.lower())
            answer = fmt("Language set to {language} (Steward speaks English only for now).", language=value.lower())
        await self.ctx.publish(PreferenceChanged(person=person, setting=setting))
        return Reply(origin=event.origin, content=answer)

    async def merge_persons(self, session: AsyncSession, source: PersonId, into: PersonId) -> int:
        """Preferences: the kept person's win, or the other's move when the kept one set none; facts move."""
        moved = await session.execute(update(facts_log).where(facts_log.c.person_id == source).values(person_id=into))
        kept = (await session.execute(select(preferences.c.person_id).where(preferences.c.person_id == into))).first()
        if kept is None:
            await session.execute(update(preferences).where(preferences.c.person_id == source).values(person_id=into))
        else:
            await session.execute(delete(preferences).where(preferences.c.person_id == source))
        return int(moved.rowcount or 0)  # type: ignore[attr-defined]

    async def delete_member_data(self, session: AsyncSession, person: PersonId) -> int:
        """Preferences go; facts stay for the figures but no longer name the person."""
        gone = await session.execute(delete(preferences).where(preferences.c.person_id == person))
        await session.execute(update(facts_log).where(facts_log.c.person_id == person).values(person_id=None))
        return int(gone.rowcount or 0)  # type: ignore[attr-defined]

    @command("forget", "Erase everything Steward keeps about a member (a data-deletion request).",
             level=Level.ADMIN, params=[Param("member", ParamType.MEMBER, "whose data")])
    async def forget(self, event: CommandInvoked, member: UserRef) -> Reply:
        """Walk every enabled cog of this community, one transaction each, and report."""
        person = await self.ctx.services.members.persons.find(self.ctx.community.name, member)
        if person is None:
            return Reply(origin=event.origin, content=text("Steward keeps nothing about that member."))
        report = await self.ctx.services.members.forget(person)
        return Reply(origin=event.origin, content=forgotten(report))

    @on(AccountDeleted)
    async def account_deleted(self, event: AccountDeleted) -> None:
        """The platform deleted an account: erase its person as /forget does, and tell the mod log."""
        person = await self.ctx.services.members.persons.find(self.ctx.community.name, event.member)
        if person is None:
            return
        report = await self.ctx.services.members.forget(person)
        await self.ctx.modlog(fmt("A {platform} account was deleted, so Steward erased its member's data. {done}",
                                  platform=event.platform, done=forgotten(report)))

    @command("reload", "Re-read the config file (keeps the running one on error).", level=Level.ADMIN)
    async def reload(self, event: CommandInvoked) -> Reply:
        """Reload and report."""
        problems = await self.ctx.services.reload()
        if problems and not all(p.startswith("platform and storage") for p in problems):
            body = "\n".join(f"  {p}" for p in problems[:15])
            return Reply(origin=event.origin, content=fmt(
                "Config not reloaded — the running config stays in force:\n{body}", body=body))
        extra = fmt(" ({p})", p=problems[0]) if problems else text("")
        return Reply(origin=event.origin, content=fmt("Config reloaded{extra}.", extra=extra))


def command_help(commands: list[CommandSpec], level: Level, name: str) -> Content:
    """``/help ban``: the command's usage, then each parameter with what it takes."""
    wanted = name.strip().lstrip("/").lower()
    spec = next((c for c in commands if wanted in (c.name, *c.aliases)), None)
    if spec is None:
        return fmt("No command /{name}. Type {help} for the list.", name=wanted[:40], help=CommandMention("help"))
    if spec.level > level:
        return fmt("{name} is for {level}s; you can't use it here.", name=CommandMention(spec.name),
                   level=text(spec.level.label))
    args = " ".join(p.usage() for p in spec.params)
    segments: list[Segment] = [CommandMention(spec.name, args), " — ", spec.description]  # the cog's own words
    for param in spec.params:
        kind = "one of " + ", ".join(param.choices) if param.choices else param.type.value
        limits = "".join(f", {word} {n}" for word, n in (("from", param.min_value), ("to", param.max_value))
                         if n is not None)
        optional = "" if param.required else ", optional"
        segments.extend(fmt("\n  {name} ({kind}{limits}{optional})", name=text(param.name), kind=text(kind),
                            limits=text(limits), optional=text(optional)).segments)
        if param.description:
            segments.extend(fmt(": {what}", what=text(param.description)).segments)
    if not spec.params:
        segments.append("\n  (no parameters)")
    return Content(tuple(segments))
