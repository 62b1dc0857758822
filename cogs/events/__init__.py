"""Events: community events with RSVPs, waitlists, reminders in every reader's time zone, and attendance.

The cog (``cog``) composes ``planning``, ``answers``, ``notify`` and ``personal``; the pure logic
has no I/O: start times and durations (``when``), series and their exceptions (``recurrence``),
reminder planning (``reminders``), the RSVP state machine (``rsvp``), iCalendar (``ics``),
attendance figures (``attendance``), ``/remind`` arguments (``remind``) and form input (``draft``).
"""

from cogs.events.cli import register_cli
from cogs.events.cog import EventsCog

COG = EventsCog

__all__ = ["COG", "EventsCog", "register_cli"]
