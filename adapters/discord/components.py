"""Interactions: slash commands, autocomplete, buttons, selects and modal submits.

Every component is routed by its custom id (``bot.components.decode_custom_id``), never by a
view object held in memory, so a button posted before a restart still reaches its handler.
Discord wants an answer within 3 s: a slow handler gets a "thinking…" deferral first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import discord
from discord import app_commands

from adapters.discord import commands
from adapters.discord.render import message_kwargs, modal_for, unscoped
from adapters.discord.state import State
from adapters.discord.translate import P, message_ref, user_ref
from bot.actions import ActionResult, OpenForm, Reply
from bot.components import decode_custom_id
from bot.events import ButtonPressed, CommandInvoked, Event, FormSubmitted, Origin
from bot.expiring import Expiring
from bot.permissions import Level
from bot.policies import EPHEMERAL_UNAVAILABLE
from bot.refs import ChannelRef

log = logging.getLogger(__name__)
KEEP = 1000  # interactions remembered for follow-ups
TOKEN_LIFETIME = 15 * 60  # Discord's interaction tokens live 15 minutes
MAX_FORM_FIELDS = 5  # Discord modals take at most five inputs
NO_SCOPE = "no-scope"  # a DM interaction that can't be mapped to one configured server


@dataclass
class Pending:
    """An interaction Steward still owes (or may follow up) an answer."""

    interaction: discord.Interaction
    ephemeral: bool
    kind: str
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Interactions:
    """Turns interactions into core events and answers them."""

    def __init__(self, state: State, emit: Callable[[Event], Awaitable[None]]) -> None:
        self.state = state
        self.emit = emit
        self.pending: Expiring[Pending] = Expiring(ttl=TOKEN_LIFETIME, size=KEEP)

    # -- inbound ------------------------------------------------------------------------------

    async def handle(self, interaction: discord.Interaction) -> None:
        """Entry point for every INTERACTION_CREATE."""
        try:
            if interaction.type is discord.InteractionType.autocomplete:
                await self._autocomplete(interaction)
                return
            built = self._event(interaction)
            if built is None:
                return
            if built == NO_SCOPE:
                await interaction.response.send_message(
                    "Steward serves several communities and can't tell which one this is for: use the "
                    "command in that community's server, or the button in the message Steward sent you.",
                    ephemeral=True)
                return
            assert isinstance(built, tuple)
            event, ephemeral, kind = built
            await self._run(Pending(interaction, ephemeral, kind), event)
        except discord.HTTPException:
            log.exception("answering interaction %s failed", interaction.id)

    def _scope(self, interaction: discord.Interaction, sent_for: str | None) -> str | None:
        """The interaction's server; for a DM, the one its component was sent for, else the member's."""
        if interaction.guild_id:
            return str(interaction.guild_id)
        if sent_for is not None and sent_for in self.state.communities:
            return sent_for
        return self.state.dm_scope(interaction.user.id)

    def _event(self, interaction: discord.Interaction) -> tuple[Event, bool, str] | str | None:
        data: dict[str, Any] = dict(interaction.data or {})
        sent_for, custom_id = unscoped(str(data.get("custom_id", "")))
        scope = self._scope(interaction, sent_for)
        if scope is None:
            return NO_SCOPE
        message = interaction.message
        origin = Origin(platform=P, scope=scope, user=user_ref(interaction.user),
                        channel=ChannelRef(P, str(interaction.channel_id)) if interaction.channel_id else None,
                        token=interaction.token,
                        message=message_ref(message.channel.id, message.id) if message is not None else None)
        base: dict[str, Any] = {"platform": P, "scope": scope, "event_id": f"interaction:{interaction.id}",
                                "occurred_at": interaction.created_at, "origin": origin}
        if interaction.type is discord.InteractionType.application_command:
            spec = commands.find(self.state.specs.get(scope, ()), str(data.get("name", "")))
            name = spec.name if spec is not None else str(data.get("name", ""))
            staff = spec is not None and spec.level >= Level.MODERATOR
            return CommandInvoked(**base, command=name, options=commands.options(spec, data)), staff, "command"
        decoded = decode_custom_id(custom_id)
        if decoded is None:
            log.debug("interaction with a foreign custom id %r ignored", data.get("custom_id"))
            return None
        action, value = decoded
        if interaction.type is discord.InteractionType.component:
            values = tuple(str(v) for v in data.get("values", []) or [])
            return ButtonPressed(**base, action=action, value=value, values=values), False, "component"
        if interaction.type is discord.InteractionType.modal_submit:
            fields = _fields(data.get("components", []) or [])
            return FormSubmitted(**base, action=action, value=value, fields=fields), False, "modal"
        return None

    async def _run(self, pending: Pending, event: Event) -> None:
        interaction = pending.interaction
        self._remember(interaction.token, pending)
        task = asyncio.ensure_future(self.emit(event))
        done, _ = await asyncio.wait({task}, timeout=self.state.settings.defer_after)
        if not done:
            async with pending.lock:
                if not interaction.response.is_done():
                    if pending.kind == "component":
                        await interaction.response.defer()
                    else:
                        await interaction.response.defer(ephemeral=True, thinking=True)
            await task
        async with pending.lock:
            if interaction.response.is_done():
                return
            if pending.kind == "component":
                await interaction.response.defer()  # acknowledged; nothing to say
            else:
                await interaction.response.send_message("Done.", ephemeral=True)

    async def _autocomplete(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        scope = self._scope(interaction, None) or ""
        spec = commands.find(self.state.specs.get(scope, ()), str(data.get("name", "")))
        typed = commands.focused(data)
        choices = commands.suggest(spec, *typed) if typed is not None else []
        await interaction.response.autocomplete([app_commands.Choice(name=n, value=v) for n, v in choices])

    def _remember(self, token: str, pending: Pending) -> None:
        self.pending.put(token, pending)

    # -- outbound -----------------------------------------------------------------------------

    async def answer(self, action: Reply | OpenForm) -> ActionResult:
        """Reply to, or open a form for, the interaction behind ``action.origin``."""
        origin = action.origin
        pending = self.pending.get(origin.token or "")
        if isinstance(action, OpenForm):
            if pending is None:
                return ActionResult.failure(action, "a form opens only in answer to a command or a press", "expired")
            async with pending.lock:
                if pending.interaction.response.is_done():
                    return ActionResult.failure(action, "Discord opens a form only as the first answer to a "
                                                        "command or press, and that answer was already sent",
                                                "form_late")
                if len(action.form.fields) > MAX_FORM_FIELDS:
                    return await self._too_many_fields(action, pending)
                await pending.interaction.response.send_modal(modal_for(action.form, _dm_scope(pending, origin)))
            return ActionResult.success(action)
        kwargs = message_kwargs(action.content, _dm_scope(pending, origin))
        if pending is None:
            return await self._detached_reply(action, kwargs)
        ephemeral = action.ephemeral or pending.ephemeral
        interaction = pending.interaction
        try:
            async with pending.lock:
                if not interaction.response.is_done():
                    callback = await interaction.response.send_message(**kwargs, ephemeral=ephemeral)
                    mid = callback.message_id if callback is not None else None
                    ref = message_ref(interaction.channel_id or 0, mid) if mid else None
                    return ActionResult.success(action, ref)
                msg = await interaction.followup.send(**kwargs, ephemeral=ephemeral, wait=True)
                return ActionResult.success(action, message_ref(msg.channel.id, msg.id))
        except discord.NotFound as exc:  # the token lives 15 minutes: a very slow handler outlived it
            return await self._expired(action, kwargs, ephemeral, exc)

    async def _too_many_fields(self, action: OpenForm, pending: Pending) -> ActionResult:
        """Refuse a form Discord can't show whole, rather than drop its last fields silently."""
        form = action.form
        why = (f"the form {form.title!r} has {len(form.fields)} fields; a Discord modal holds at most "
               f"{MAX_FORM_FIELDS}, so it was not opened (fields: {', '.join(f.name for f in form.fields)})")
        log.error("discord: %s", why)
        await pending.interaction.response.send_message(
            "Sorry, this form can't be shown on Discord (it has more fields than Discord allows). "
            "The server's admins have been told in Steward's log.", ephemeral=True)
        return ActionResult.failure(action, why, "too_many_fields")

    async def _detached_reply(self, action: Reply, kwargs: dict[str, Any]) -> ActionResult:
        """A reply whose interaction is no longer in memory: follow up by token, else post in the channel."""
        origin = action.origin
        client = self.state.client
        if origin.token and client.application_id is not None:
            # An application webhook, exactly as discord.py builds ``Interaction.followup``: a plain
            # ``Webhook.partial`` is an incoming webhook, and discord.py refuses ephemeral sends on it.
            hook = discord.Webhook.from_state(
                data={"id": client.application_id, "type": 3, "token": origin.token}, state=client._connection)
            try:
                msg = await hook.send(**kwargs, ephemeral=action.ephemeral, wait=True)
            except discord.NotFound as exc:
                return await self._expired(action, kwargs, action.ephemeral, exc)
            return ActionResult.success(action, message_ref(msg.channel.id, msg.id))
        return await self._in_channel(action, kwargs)

    async def _expired(self, action: Reply, kwargs: dict[str, Any], ephemeral: bool,
                       exc: discord.NotFound) -> ActionResult:
        """The interaction's token expired: a public answer goes into the channel; a private one is reported."""
        origin = action.origin
        if ephemeral:  # the core's policy decides where a private answer goes instead (bot.policies)
            log.warning("interaction token expired (%s); the private reply to %s can't be shown as one",
                        exc.text or exc.status, origin.user.id)
            return ActionResult.failure(action, f"the interaction expired ({exc.text or exc.status})",
                                        EPHEMERAL_UNAVAILABLE)
        log.warning("interaction token expired (%s); posting the reply in channel %s instead",
                    exc.text or exc.status, origin.channel.id if origin.channel else "?")
        return await self._in_channel(action, kwargs)

    async def _in_channel(self, action: Reply, kwargs: dict[str, Any]) -> ActionResult:
        """The reply as an ordinary message in the interaction's channel, answering its message if any."""
        origin = action.origin
        client = self.state.client
        if origin.channel is None:
            return ActionResult.failure(action, "nowhere to reply", "not_found")
        if origin.message is not None:
            kwargs["reference"] = discord.MessageReference(message_id=int(origin.message.id),
                                                           channel_id=int(origin.message.channel_id),
                                                           fail_if_not_exists=False)
        sent = await client.get_partial_messageable(int(origin.channel.id)).send(**kwargs)
        return ActionResult.success(action, message_ref(sent.channel.id, sent.id))


def _dm_scope(pending: Pending | None, origin: Origin) -> str | None:
    """The server to stamp on components answering an interaction that came from a DM."""
    if pending is None or pending.interaction.guild_id is not None:
        return None
    return origin.scope


def _fields(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Modal values by field name, from action rows or labels."""
    out: dict[str, str] = {}
    for row in rows:
        inner = row.get("components") or ([row["component"]] if "component" in row else [row])
        for comp in inner:
            cid = comp.get("custom_id")
            if not cid:
                continue
            if "values" in comp:
                out[cid] = ",".join(str(v) for v in comp["values"])
            else:
                out[cid] = str(comp.get("value") or "")
    return out
