"""Events: community events with RSVPs, waitlists, reminders and attendance — the cog is not built yet.

Only the pure logic (no I/O) lives here so far: start times and durations (``when``), series and
their exceptions (``recurrence``), reminder planning (``reminders``), the RSVP state machine
(``rsvp``), iCalendar export (``ics``), attendance figures (``attendance``) and ``/remind``
arguments split into a time and a note (``remind``). The package exports no ``COG``, so the
composition root does not load it.
"""
