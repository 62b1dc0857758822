"""Core content → Discord message text, allowed mentions, components and modals."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.components import MAX_CUSTOM_ID, Button, Form, Select
from bot.content import CommandMention, Content, Mention, Moment, UserText
from bot.refs import ChannelRef, RoleRef, UserRef

MAX_TEXT = 2000
_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


_SCOPED = re.compile(r"g(\d{1,20})\|(.*)", re.DOTALL)


def scoped(custom_id: str, scope: str | None) -> str:
    """A component id that carries its server, for components in DMs (a DM press names no guild).

    ``g<guild id>|`` in front of the core's id, when it fits Discord's 100 characters; without it
    the press is mapped the old way (the one server the member shares with Steward).
    """
    if not scope or not scope.isdigit():
        return custom_id
    out = f"g{scope}|{custom_id}"
    return out if len(out) <= MAX_CUSTOM_ID else custom_id


def unscoped(custom_id: str) -> tuple[str | None, str]:
    """(the server a DM component was sent for, or None; the core's custom id)."""
    match = _SCOPED.fullmatch(custom_id)
    return (match.group(1), match.group(2)) if match else (None, custom_id)


# Every character Discord's markdown can start something with, escaped wherever it stands:
# emphasis, code, spoilers, masked links (both brackets, so `[a](b) [x](https://evil)` stays inert —
# discord.py's escape_markdown leaves the second one live), and `<` for every angle form: user,
# role and channel mentions, timestamps `<t:…>`, command mentions `</name:id>`, custom emoji and
# `<https://…>` links.
_INLINE = re.compile(r"[\\*_~`|\[\]<>]")
# Block syntax only counts at the start of a line: headings, subtext `-#`, quotes, lists.
_LINE_START = re.compile(r"^([ \t]*)(?:([#+-])|([0-9]+)\.)", re.MULTILINE)
_BROADCAST = re.compile(r"@(everyone|here)", re.IGNORECASE)


def escape(value: str) -> str:
    """Text from outside Steward made inert: no markdown, no links in disguise, no mentions."""
    out = _INLINE.sub(lambda m: "\\" + m.group(), value)
    out = _LINE_START.sub(lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2) else m.group(3) + "\\."), out)
    return _BROADCAST.sub(lambda m: "@\u200b" + m.group(1), out)


_TIME_STYLES = frozenset("tTdDfFR")


def render_text(content: Content) -> str:
    """Segments to Discord markup; user text escaped, mentions native."""
    out: list[str] = []
    for seg in content.segments:
        if isinstance(seg, str):
            out.append(seg)
        elif isinstance(seg, UserText):
            out.append(escape(seg.text))
        elif isinstance(seg, Mention):
            out.append(_mention(seg))
        elif isinstance(seg, Moment):  # every reader sees it in their own zone
            out.append(f"<t:{seg.unix}:{seg.style if seg.style in _TIME_STYLES else 'F'}>")
        elif isinstance(seg, CommandMention):  # a command Discord doesn't know the id of: as typed
            out.append(escape(seg.plain()))
    rendered = "".join(out)
    if len(rendered) > MAX_TEXT:
        rendered = rendered[: MAX_TEXT - 1] + "…"
    return rendered or "\u200b"


def _mention(seg: Mention) -> str:
    target = seg.target
    if not target.id.isdigit():  # not a Discord id: show the name, never a broken mention
        return ("#" if isinstance(target, ChannelRef) else "@") + escape(seg.name)
    if isinstance(target, UserRef):
        return f"<@{target.id}>"
    if isinstance(target, RoleRef):
        return f"<@&{target.id}>"
    return f"<#{target.id}>"


def allowed_mentions(content: Content) -> discord.AllowedMentions:
    """Nobody is pinged unless the feature named them in ``Content.ping``."""
    users = [discord.Object(int(r.id)) for r in content.ping if isinstance(r, UserRef) and r.id.isdigit()]
    roles = [discord.Object(int(r.id)) for r in content.ping if isinstance(r, RoleRef) and r.id.isdigit()]
    return discord.AllowedMentions(everyone=False, users=users, roles=roles, replied_user=False)


def view_for(buttons: tuple[Button, ...], select: Select | None,
             dm_scope: str | None = None) -> discord.ui.View | None:
    """Buttons (5 per row, 25 at most) and an optional select as a view (``dm_scope``: :func:`scoped`)."""
    if not buttons and select is None:
        return None
    view = discord.ui.View(timeout=None)
    for i, b in enumerate(buttons[:20]):
        view.add_item(discord.ui.Button(label=b.label[:80], custom_id=scoped(b.custom_id, dm_scope),
                                        style=_STYLES.get(b.style, discord.ButtonStyle.secondary), row=i // 5))
    if select is not None:
        options = [discord.SelectOption(label=o.label[:100], value=o.value[:100],
                                        description=o.description[:100] or None) for o in select.options[:25]]
        view.add_item(discord.ui.Select(custom_id=scoped(select.custom_id, dm_scope), options=options,
                                        placeholder=select.placeholder[:150] or None,
                                        min_values=select.min_values,
                                        max_values=min(select.max_values, len(options)), row=4))
    _detach(view)
    return view


def message_kwargs(content: Content, dm_scope: str | None = None) -> dict[str, Any]:
    """Keyword arguments for ``send``/``edit``: text, allowed mentions and components."""
    kwargs: dict[str, Any] = {"content": render_text(content), "allowed_mentions": allowed_mentions(content)}
    view = view_for(content.buttons, content.select, dm_scope)
    if view is not None:
        kwargs["view"] = view
    return kwargs


def modal_for(form: Form, dm_scope: str | None = None) -> discord.ui.Modal:
    """A form as a modal (choices are typed and checked by the core).

    Discord shows at most 5 fields: the caller refuses larger forms (``Interactions.answer``).
    """
    if len(form.fields) > 5:
        raise ValueError(f"a Discord modal holds at most 5 fields, the form has {len(form.fields)}")
    modal = discord.ui.Modal(title=form.title[:45], custom_id=scoped(form.custom_id, dm_scope), timeout=None)
    for f in form.fields:
        placeholder = f.placeholder or (" / ".join(f.choices) if f.choices else "")
        modal.add_item(discord.ui.TextInput(
            label=f.label[:45], custom_id=f.name,
            style=discord.TextStyle.paragraph if f.kind == "paragraph" else discord.TextStyle.short,
            required=f.required, placeholder=placeholder[:100] or None, max_length=min(f.max_length, 4000)))
    _detach(modal)
    return modal


def _detach(view: discord.ui.View | discord.ui.Modal) -> None:
    # A finished view is not kept in discord.py's view store: the adapter routes every press and
    # submit by its custom id, so components keep working after a restart and memory stays flat.
    view.stop()
