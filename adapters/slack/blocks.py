"""Content, buttons, selects and forms rendered as Slack mrkdwn and Block Kit (pure functions).

User text is escaped completely: ``&``, ``<`` and ``>`` (so no ``<@U…>``, ``<!subteam^…>``,
``<!here>``, ``<!date^…>`` or ``<https://…|label>`` form survives), and mrkdwn's formatting
characters, which Slack offers no escape for, become look-alikes that don't format; mentions ping
only the users and groups listed in ``Content.ping``; nothing ever renders as ``<!channel>``,
``<!here>`` or ``<!everyone>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.components import Button, Form, FormField, Select, decode_custom_id
from bot.content import CommandMention, Content, Mention, Moment, UserText
from bot.refs import ChannelRef, RoleRef, UserRef

SECTION_LIMIT = 3000
TEXT_LIMIT = 39_000
_BROADCAST = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>", re.IGNORECASE)

Block = dict[str, Any]


# mrkdwn has no escape character: bold, italic, strike and code markers are swapped for look-alikes.
_FORMATTING = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})
_QUOTE = re.compile(r"^([ \t]*)&gt;", re.MULTILINE)


def escape(text: str) -> str:
    """Text from outside Steward made inert on Slack: no ``<…>`` forms, no formatting, no quotes."""
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").translate(_FORMATTING)
    return _QUOTE.sub(lambda m: m.group(1) + "\u200b&gt;", out)  # `>` opens a quote only first on a line


def no_broadcast(text: str) -> str:
    """Trusted text keeps its markup, except broadcasts, which become plain words."""
    return _BROADCAST.sub(lambda m: "@\u200b" + m.group(1).lower(), text)


def mention(m: Mention, ping: Sequence[UserRef | RoleRef]) -> str:
    """A channel link, a pinging mention for the allowed, plain ``@name`` for everyone else."""
    target = m.target
    if isinstance(target, ChannelRef):
        return f"<#{target.id}>"
    if target in ping:
        return f"<@{target.id}>" if isinstance(target, UserRef) else f"<!subteam^{target.id}>"
    return "@" + escape(m.name)


def mrkdwn(content: Content) -> str:
    """The message text in Slack's mrkdwn."""
    out: list[str] = []
    for seg in content.segments:
        if isinstance(seg, str):
            out.append(no_broadcast(seg))
        elif isinstance(seg, UserText):
            out.append(escape(seg.text))
        elif isinstance(seg, Moment):  # Slack shows it in each reader's zone; the fallback in ours
            token = _DATE_TOKENS.get(seg.style, _DATE_TOKENS["F"])
            out.append(f"<!date^{seg.unix}^{token}|{escape(seg.local_text())}>")
        elif isinstance(seg, CommandMention):  # the performer spells these first; this is the core's spelling
            out.append(escape(seg.plain()))
        else:
            out.append(mention(seg, content.ping))
    return "".join(out)


_DATE_TOKENS = {"F": "{date_long_pretty} at {time}", "D": "{date_long_pretty}", "t": "{time}", "R": "{ago}"}


def fallback_text(content: Content) -> str:
    """The notification text that goes with the blocks."""
    text = mrkdwn(content)
    return text[:TEXT_LIMIT] if text else " "


def _chunks(text: str, limit: int = SECTION_LIMIT) -> Iterable[str]:
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        yield text[:cut]
        text = text[cut:].lstrip("\n")
    if text:
        yield text


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object cut to Slack's limit."""
    return {"type": "plain_text", "text": (text or " ")[:limit], "emoji": True}


def button(b: Button) -> Block:
    """One Block Kit button; the custom id is the action_id."""
    element: Block = {"type": "button", "text": plain(b.label, 75), "action_id": b.custom_id,
                      "value": b.value[:2000] or "-"}
    if b.style in ("primary", "success"):
        element["style"] = "primary"
    elif b.style == "danger":
        element["style"] = "danger"
    return element


def select(s: Select) -> Block:
    """A static select (multi when more than one value may be chosen)."""
    options = [{"text": plain(o.label, 75), "value": o.value[:150],
                **({"description": plain(o.description, 75)} if o.description else {})}
               for o in s.options[:100]]
    element: Block = {"type": "multi_static_select" if s.max_values > 1 else "static_select",
                      "action_id": s.custom_id, "options": options}
    if s.placeholder:
        element["placeholder"] = plain(s.placeholder, 150)
    if s.max_values > 1:
        element["max_selected_items"] = s.max_values
    return element


def message_blocks(content: Content) -> list[Block]:
    """Sections of text (verbatim: Slack adds no links or mentions of its own), then the controls."""
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": chunk, "verbatim": True}}
                           for chunk in _chunks(mrkdwn(content))]
    seen: set[str] = set()
    buttons = []
    for b in content.buttons:
        if b.custom_id not in seen:  # Slack rejects two elements with one action_id
            seen.add(b.custom_id)
            buttons.append(button(b))
    for i in range(0, len(buttons), 25):
        blocks.append({"type": "actions", "elements": buttons[i:i + 25]})
    if content.select is not None:
        blocks.append({"type": "actions", "elements": [select(content.select)]})
    return blocks[:50]


def modal(form: Form, metadata: Mapping[str, str]) -> Block:
    """A form as a modal view; each field's name is its block_id and action_id."""
    blocks: list[Block] = []
    if form.intro:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": escape(form.intro)[:3000],
                                                   "verbatim": True}})
    for f in form.fields:
        element: Block
        if f.kind == "choice" and f.choices:
            element = {"type": "static_select", "action_id": f.name,
                       "options": [{"text": plain(c, 75), "value": c[:150]} for c in f.choices[:100]]}
        else:
            element = {"type": "plain_text_input", "action_id": f.name, "multiline": f.kind == "paragraph",
                       "max_length": max(1, min(f.max_length, 3000))}
        if f.placeholder:
            element["placeholder"] = plain(f.placeholder, 150)
        blocks.append({"type": "input", "block_id": f.name, "optional": not f.required,
                       "label": plain(f.label, 2000), "element": element})
    return {"type": "modal", "callback_id": form.custom_id, "title": plain(form.title, 24),
            "submit": plain("Submit", 24), "close": plain("Cancel", 24), "notify_on_close": True,
            "private_metadata": json.dumps(dict(metadata))[:3000], "blocks": blocks[:100]}


def form_from_view(view: Mapping[str, Any]) -> Form | None:
    """The form a modal was rendered from, read back from its own input blocks (after a restart,
    when the adapter no longer remembers the Form it opened); None for a view Steward did not make."""
    decoded = decode_custom_id(str(view.get("callback_id") or ""))
    if decoded is None:
        return None
    fields: list[FormField] = []
    for b in view.get("blocks") or []:
        if not isinstance(b, dict) or b.get("type") != "input" or not b.get("block_id"):
            continue
        element = b.get("element") or {}
        label = str((b.get("label") or {}).get("text") or b["block_id"])
        required = not b.get("optional", False)
        if element.get("type") == "static_select":
            choices = tuple(str(o.get("value", "")) for o in element.get("options") or [])
            fields.append(FormField(str(b["block_id"]), label, "choice", required=required, choices=choices))
        else:
            fields.append(FormField(str(b["block_id"]), label, "paragraph" if element.get("multiline") else "short",
                                    required=required,
                                    max_length=int(element.get("max_length") or 3000)))
    action, value = decoded
    return Form(action, str((view.get("title") or {}).get("text") or ""), tuple(fields), value=value)


def form_errors(form: Form, values: Mapping[str, str]) -> dict[str, str]:
    """The core's field errors, keyed by block_id (the field name) and cut to what Slack shows."""
    return {name: message[:150] for name, message in form.validate(dict(values)).items()}


def form_values(view: Mapping[str, Any]) -> dict[str, str]:
    """The submitted values of a modal, by field name."""
    out: dict[str, str] = {}
    values = (view.get("state") or {}).get("values") or {}
    for block_id, actions in values.items():
        for element in (actions or {}).values():
            kind = element.get("type")
            if kind in ("static_select", "radio_buttons", "external_select"):
                out[block_id] = str((element.get("selected_option") or {}).get("value", ""))
            elif kind in ("multi_static_select", "checkboxes"):
                chosen = element.get("selected_options") or []
                out[block_id] = ",".join(str(o.get("value", "")) for o in chosen)
            else:
                out[block_id] = str(element.get("value") or "")
    return out


def metadata(view: Mapping[str, Any]) -> dict[str, str]:
    """The private metadata Steward put on a view (the channel the form came from)."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def home_view(sections: Iterable[tuple[str, Content]], *, intro: str) -> Block:
    """The App Home: Steward's intro, then each cog's section under its heading."""
    blocks: list[Block] = [{"type": "header", "text": plain("Steward", 150)},
                           {"type": "context", "elements": [{"type": "mrkdwn", "text": no_broadcast(intro),
                                                             "verbatim": True}]}]
    for title, content in sections:
        blocks.append({"type": "divider"})
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(title)}*",
                                                   "verbatim": True}})
        blocks.extend(message_blocks(content) or [{"type": "context", "elements": [
            {"type": "mrkdwn", "text": "Nothing here yet.", "verbatim": True}]}])
    return {"type": "home", "blocks": blocks[:100]}
