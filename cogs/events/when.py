"""Event starts and lengths as people type them, read in the creator's time zone against an injected now.

``parse_start`` reads ``next friday 18:00``, ``tomorrow 7pm``, ``2026-12-24 18:00`` or ``in 2 hours``
and returns a :class:`Start` (aware UTC plus a confirmation to echo back) or a :class:`Refusal`;
``parse_length`` reads ``90m``, ``1h30m`` or ``2 hours``. Neither raises, whatever the string.

dateparser (1.5) surprised us in these ways; each is handled here, not left to chance:

- A time of day it cannot read is dropped silently: ``tomorrow at 9`` and ``tomorrow 18.30`` come back
  as tomorrow at the *current* time of day. So the time of day is read here by a small grammar and
  dateparser only places the day.
- A lone number or letter is a date: ``1`` and ``a`` are the 3rd of next January, ``12`` is 3 December
  next year; ``Nov``, ``next week`` and ``next year`` are accepted too. Its ``period`` tells a day from
  a week, month or year, and anything vaguer than a day is refused.
- ``next friday`` is the first Friday after today — tomorrow, when said on a Thursday — exactly like
  ``friday``; but ``next thursday`` said on a Thursday is a week away, and so is plain ``thursday``
  even when today's hour is still ahead. We keep its reading (it is the common one) and the
  confirmation says "tomorrow" or "in 8 days" so the creator sees which Friday it took.
- With ``RETURN_AS_TIMEZONE_AWARE`` off a zone in the text (``18:00 EST``) is silently dropped; with
  it on, a wall time inside a DST gap (``2026-03-29 01:30`` in London) is accepted with an offset
  that does not exist. Here dateparser returns naive wall times, a written zone is taken off first
  with its own ``pop_tz_offset_from_string``, and gaps and repeated hours are checked with zoneinfo.
- Zone abbreviations are ambiguous (``IST`` is India, Ireland or Israel; ``BST`` British or
  Bangladesh) and dateparser picks one: only ``UTC``/``GMT``/``Z`` and numeric offsets are accepted.
- Words it cannot place are dropped: ``tomorrow 30`` and ``tomorrow 9am 30 minutes`` are simply
  tomorrow, and a weekday that contradicts the date loses (``friday 24`` is Thursday 24 December).
  Here every number in the day must show up in the date it produced, and a named weekday must be
  the date's weekday, or the start is refused saying what was understood.
- Numeric dates are read month first in English: ``03/04/2027`` is 4 March. Where day and month
  could swap, the start is refused as ambiguous.
- ``1h`` and ``90m`` alone are read as "from now"; in a start field they are more likely a length
  typed in the wrong field, so they are refused with a hint (``in 1h`` works).
- Relative times are wall-clock arithmetic on the naive base, so ``in 2 hours`` across a DST change
  would be an hour off: ``in <length>`` is computed here as elapsed time.
- Language detection is on by default, slow, and reads stray words of other languages as dates:
  English only is asked for. The first call loads locale data (~0.1 s); later calls take ~1 ms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser
from dateparser.timezone_parser import pop_tz_offset_from_string

from bot.durations import DurationError, format_duration, parse_duration
from cogs.events.refusal import Refusal

MAX_INPUT = 120
START_HINT = "Try `friday 18:00`, `tomorrow 7pm`, `2026-12-24 18:00` or `in 2 hours`."
LENGTH_HINT = "Try `90m`, `1h30m` or `2 hours`."
NO_TIME = "That start has no time of day."
UNREAD_DAY = "I couldn't read the day of that start."

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")

# One time of day: 18:00, 18.30, 6:30pm, 7pm, 7 p.m., noon, midnight. Dots only with two digits after,
# and never inside a date such as 24.12.2026 (the look-arounds refuse a neighbouring dot or digit).
_TIME = re.compile(
    r"(?<![\w:.])(?:"
    r"(?P<h>[0-9]{1,2})[:.](?P<m>[0-9]{2})(?::[0-9]{2})?(?:\s*(?P<ap>[ap])\.?m\.?)?"
    r"|(?P<h12>[0-9]{1,2})\s*(?P<ap12>[ap])\.?m\.?"
    r"|(?P<word>noon|midday|midnight)"
    r")(?![\w:]|\.[0-9])",
    re.IGNORECASE | re.ASCII,
)
_ISO_T = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})T(?=[0-9])", re.ASCII)
_NUMERIC_DATE = re.compile(r"(?<![0-9/.-])([0-9]{1,2})[/.-]([0-9]{1,2})(?:[/.-]([0-9]{2,4}))?(?![0-9])", re.ASCII)
_CONNECTORS = re.compile(r"(?:^|\s)(?:at|@|on|,)(?=\s|$)", re.IGNORECASE)
_SAFE_ZONE = re.compile(r"(?:z|utc|gmt)(?:\s*[+-][0-9]{1,2}(?::?[0-9]{2})?)?|[+-][0-9]{2}:?[0-9]{2}", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![0-9])([0-9]+)(?:st|nd|rd|th)?(?![0-9])(?!\s*(?:days?|weeks?)\b)", re.IGNORECASE | re.ASCII)
_WEEKDAY_WORDS = re.compile(r"\b(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday|sday)?\b",
                            re.IGNORECASE)
_RELATIVE = re.compile(r"in\s+(.+)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Start:
    """A start that was understood: ``at`` in UTC, ``local`` in the creator's zone, and the echo."""

    at: datetime
    local: datetime
    confirmation: str


def parse_start(text: str, *, tz: ZoneInfo, now: datetime,
                max_ahead: timedelta = timedelta(days=3 * 366)) -> Start | Refusal:
    """Read a start typed in ``tz`` relative to ``now``; refuse the past, the ambiguous and the unreadable."""
    cleaned = _clean(text)
    if isinstance(cleaned, Refusal):
        return cleaned
    local_now = now.astimezone(tz)
    relative = _RELATIVE.fullmatch(cleaned)
    if relative and not _TIME.search(cleaned):
        length = _read_length(relative.group(1))
        if isinstance(length, timedelta):
            return _finish(now + length, tz=tz, now=now, max_ahead=max_ahead)
    if isinstance(_read_length(cleaned), timedelta):
        return Refusal("That reads as a length of time, not a start.",
                       "For a start from now say `in 2 hours`; the length goes in the duration field.")
    try:
        rest, zone = _pop_zone(cleaned)
    except Exception:  # dateparser's zone search is third-party code reading arbitrary text
        return Refusal("I couldn't read that start.", START_HINT)
    if isinstance(zone, Refusal):
        return zone
    found = list(_TIME.finditer(rest))
    if not found:
        return Refusal(NO_TIME, "Add one, like `friday 18:00` or `tomorrow 7pm`.")
    if len(found) > 1:
        return Refusal("That start has more than one time of day.", START_HINT)
    clock = _read_clock(found[0])
    if isinstance(clock, Refusal):
        return clock
    day_text = _CONNECTORS.sub(" ", rest[: found[0].start()] + " " + rest[found[0].end():]).strip(" ,")
    day = _read_day(day_text, local_now=local_now, midnight=(found[0].group("word") or "").lower() == "midnight")
    if isinstance(day, Refusal):
        return day
    naive = datetime.combine(day or local_now.date(), clock)
    if day is None and naive <= local_now.replace(tzinfo=None):
        naive += timedelta(days=1)  # a bare time means its next occurrence, as dateparser reads `7am`
    if zone is not None:
        result = _finish(naive.replace(tzinfo=zone), tz=tz, now=now, max_ahead=max_ahead)
        if isinstance(result, Refusal):
            return result
        written = f"{naive:%H:%M} {zone.tzname(None)}"  # e.g. 18:00 UTC+02:00, as the creator typed it
        return replace(result, confirmation=f"{result.confirmation} ({written} as typed)")
    aware = localise(naive, tz)
    if isinstance(aware, Refusal):
        return aware
    return _finish(aware, tz=tz, now=now, max_ahead=max_ahead)


def parse_length(text: str, *, shortest: timedelta = timedelta(minutes=1),
                 longest: timedelta = timedelta(days=14)) -> timedelta | Refusal:
    """Read an event's length (``90m``, ``1h30m``, ``2 hours``, ``1.5h``) within ``shortest``..``longest``."""
    cleaned = _clean(text)
    if isinstance(cleaned, Refusal):
        return cleaned
    length = _read_length(cleaned)
    if isinstance(length, Refusal):
        return length
    if length < shortest:
        return Refusal(f"That is shorter than {format_duration(shortest)}.", LENGTH_HINT)
    if length > longest:
        return Refusal(f"That is longer than {format_duration(longest)}.", LENGTH_HINT)
    return length


def localise(naive: datetime, tz: ZoneInfo) -> datetime | Refusal:
    """Attach ``tz`` to a wall time, refusing one the clocks skip and one they show twice."""
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        return Refusal(f"{naive:%H:%M} doesn't exist on {describe_day(naive.date())} in {tz.key}: "
                       "the clocks go forward then.", "Pick a time an hour later or earlier.")
    return Refusal(f"{naive:%H:%M} happens twice on {describe_day(naive.date())} in {tz.key}: "
                   "the clocks go back then.", "Pick a time outside that hour.")


def describe_day(day: date) -> str:
    """``Friday 4 December 2026``, in English whatever the machine's locale."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def describe(moment: datetime, tz: ZoneInfo) -> str:
    """``Friday 4 December 2026 at 18:00 Europe/London (GMT)``."""
    local = moment.astimezone(tz)
    return f"{describe_day(local.date())} at {local:%H:%M} {tz.key} ({local.tzname()})"


def _clean(text: str) -> str | Refusal:
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        return Refusal("That contains characters that can't be read.", START_HINT)
    collapsed = " ".join("".join(" " if not ch.isprintable() else ch for ch in text).split())
    if not collapsed:
        return Refusal("Nothing was typed.", START_HINT)
    if len(collapsed) > MAX_INPUT:
        return Refusal(f"That is longer than {MAX_INPUT} characters.", START_HINT)
    return collapsed


def _read_length(text: str) -> timedelta | Refusal:
    raw = text.strip().lower()
    raw = re.sub(r"\bhalf an? hour\b", "30m", raw)
    raw = re.sub(r"\ban? (?=(?:hour|minute|day|week)\b)", "1 ", raw)
    raw = re.sub(r"\band\b|[,&]", " ", raw)
    raw = re.sub(r"([0-9]+)[.,]([0-9]+)\s*(?:h|hr|hrs|hour|hours)\b",
                 lambda m: f"{round(float(m.group(1) + '.' + m.group(2)) * 60)}m", raw, flags=re.ASCII)
    raw = re.sub(r"^([0-9]+)\s*h\s*([0-9]{1,2})$", r"\1h\2m", raw.strip(), flags=re.ASCII)
    if re.fullmatch(r"[0-9]+", raw, flags=re.ASCII):
        return Refusal("A length needs a unit.", f"Did you mean {raw}m? {LENGTH_HINT}")
    if not re.fullmatch(r"[0-9a-z ]+", raw, flags=re.ASCII):
        return Refusal("That isn't a length of time.", LENGTH_HINT)
    try:
        return parse_duration(raw)
    except DurationError:
        return Refusal("That isn't a length of time.", LENGTH_HINT)


def _pop_zone(text: str) -> tuple[str, tzinfo | Refusal | None]:
    text = _ISO_T.sub(r"\1 ", text)
    rest, found = pop_tz_offset_from_string(text)
    if found is None:
        return rest, None
    written = text[len(rest):].strip() if text.startswith(rest) else ""
    if not _SAFE_ZONE.fullmatch(written):
        return rest, Refusal("Time zone abbreviations are ambiguous.",
                             "Leave the zone off (times are read in your own time zone) or write UTC+2.")
    offset = found.utcoffset(None)
    if offset is None:
        return rest, Refusal("I couldn't read that time zone.", "Write UTC, or an offset like UTC+2.")
    return rest, timezone(offset)


def _read_clock(match: re.Match[str]) -> time | Refusal:
    word = match.group("word")
    if word:
        return time(0, 0) if word.lower() == "midnight" else time(12, 0)
    if match.group("h12") is not None:
        hour, minute, ampm = int(match.group("h12")), 0, match.group("ap12")
    else:
        hour, minute, ampm = int(match.group("h")), int(match.group("m")), match.group("ap")
    if minute > 59:
        return Refusal("That time of day doesn't exist.", START_HINT)
    if ampm:
        if not 1 <= hour <= 12:
            return Refusal("With am/pm the hour is 1 to 12.", "Try `7pm` or `19:00`.")
        hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
    elif hour > 23:
        return Refusal("That time of day doesn't exist.", "Hours go from 00 to 23.")
    return time(hour, minute)


def _read_day(text: str, *, local_now: datetime, midnight: bool) -> date | Refusal | None:
    if not text:
        return None
    if midnight:
        return Refusal("Midnight next to a day is ambiguous (the start or the end of it?).",
                       "Write 00:00 with the day after, or 23:59.")
    for match in _NUMERIC_DATE.finditer(text):
        first, second = int(match.group(1)), int(match.group(2))
        if first != second and 1 <= first <= 12 and 1 <= second <= 12:
            return Refusal("That date could be read day-first or month-first.",
                           "Write the month as a word (`3 April 2027`) or as 2027-04-03.")
    parser = DateDataParser(languages=["en"], settings={
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": local_now.replace(tzinfo=None),
        "RETURN_AS_TIMEZONE_AWARE": False,
    })
    try:
        data = parser.get_date_data(text)
    except Exception:  # dateparser is third-party code reading arbitrary text; none of its errors are ours
        return Refusal("I couldn't read that start.", START_HINT)
    when = data.date_obj
    if when is None:
        return Refusal(UNREAD_DAY, START_HINT)
    if data.period not in ("day", "time") and not (data.period == "week" and text.lower().startswith("in ")):
        return Refusal("That names no particular day.", "Say which day, like `friday 18:00` or `dec 24 18:00`.")
    return _understood(text, when.date())


def _understood(text: str, day: date) -> date | Refusal:
    """Check that dateparser used what was typed: every number is in the date, a named weekday is its weekday."""
    allowed = {day.day, day.month, day.year, day.year % 100}
    if any(int(n) not in allowed for n in _NUMBER.findall(text)):
        return Refusal(f"I understood {describe_day(day)}, but not every number in the day.", START_HINT)
    for match in _WEEKDAY_WORDS.finditer(text):
        named = next(i for i, name in enumerate(_WEEKDAYS) if name.lower().startswith(match.group(1).lower()))
        if named != day.weekday():
            return Refusal(f"{describe_day(day)} is a {_WEEKDAYS[day.weekday()]}, not a {_WEEKDAYS[named]}.",
                           "Give the date or the weekday, or both that agree.")
    return day


def _finish(at: datetime, *, tz: ZoneInfo, now: datetime, max_ahead: timedelta) -> Start | Refusal:
    try:
        utc_at = at.astimezone(UTC)
    except OverflowError:
        return Refusal("That date is out of range.", START_HINT)
    if utc_at <= now:
        return Refusal(f"That start is in the past: I read it as {describe(utc_at, tz)}.",
                       "Give a time after now.")
    if utc_at - now > max_ahead:
        return Refusal(f"That start is more than {max_ahead.days // 365} years ahead: "
                       f"I read it as {describe(utc_at, tz)}.", START_HINT)
    local = utc_at.astimezone(tz)
    return Start(at=utc_at, local=local, confirmation=f"{describe(utc_at, tz)}, {_relative(local, now.astimezone(tz))}")


def _relative(local: datetime, local_now: datetime) -> str:
    days = (local.date() - local_now.date()).days
    ahead = format_duration(local - local_now)
    if days == 0:
        return f"today, in {ahead}"
    if days == 1:
        return f"tomorrow, in {ahead}" if local - local_now < timedelta(hours=24) else "tomorrow"
    return f"in {days} days"
