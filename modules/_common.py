"""Helpers shared by the built-in kinds (not part of the plugin interface).

The hours rule itself (what a mark is worth) lives in the core, in
:mod:`lms.attendance.hours`, because transcripts and reports need it too; the kinds
decide only *whether* an enrollment completed.
"""
from lms.attendance.hours import minutes_of, to_hours

ATTENDED = ("present", "late")


def attended_marks(marks):
    return [m for m in marks if m.status in ATTENDED]


def own_marks(enrollment, marks):
    """Marks for sessions of the enrollment's own event (make-up marks left out)."""
    return [m for m in marks if m.session.event_id == enrollment.event_id]


def credited(marks):
    """``(hours, details)`` for a CompletionResult: exact minutes and sessions attended."""
    minutes = minutes_of(marks)
    return to_hours(minutes), {"minutes": minutes, "sessions_attended": len(attended_marks(marks))}


# --- certificate lines: dates and places as a certificate prints them ---

def local_day(moment):
    """A stored (UTC) moment as a date in the reader's timezone (a certificate's holder's)."""
    from lms import dates

    return dates.local(moment).date()


def day_text(moment):
    """A session's day in the current (forced) locale, e.g. "3 Mar 2026" (lms.dates.day)."""
    from lms import dates

    return dates.day(local_day(moment))


def days_text(sessions):
    """The dates of sessions: one day, or "first – last"."""
    days = sorted({local_day(s.starts_at) for s in sessions})
    if not days:
        return ""
    from lms import dates

    return dates.day_range(days[0], days[-1])


def place_of(event):
    """Where the event took place: its place, its sessions' places, or online."""
    from flask_babel import gettext

    places = [event.place] if event.place else []
    for session in event.sessions:
        if session.place and session.place not in places:
            places.append(session.place)
    if places:
        return ", ".join(places)
    if event.online_url:
        return gettext("Online")
    return ""


def attended_sessions(enrollment):
    """Sessions the enrollment attended (present or late), make-ups included, by time."""
    from sqlalchemy import select

    from lms.attendance.models import Attendance
    from lms.catalog.models import Session
    from lms.extensions import db

    return db.session.scalars(
        select(Session).join(Attendance, Attendance.session_id == Session.id)
        .where(Attendance.enrollment_id == enrollment.id, Attendance.status.in_(ATTENDED))
        .order_by(Session.starts_at)
    ).all()


def completed_by_attending(enrollment, marks):
    """Completed when the enrollment's own event was attended (any session, present or
    late): the rule of single-meeting kinds (seminar, workshop)."""
    from flask_babel import lazy_gettext as _l

    from lms.plugins import CompletionResult

    marks = own_marks(enrollment, marks)
    hours, details = credited(marks)
    if not attended_marks(marks):
        return CompletionResult(False, hours, str(_l("Did not attend.")), details)
    return CompletionResult(True, hours, details=details)


def date_and_place_lines(event):
    """Certificate lines "Date: ..." (when it has sessions) and "Place: ..." (when known)."""
    from flask_babel import lazy_gettext as _l

    lines = [str(_l("Date: %(date)s", date=days_text(event.sessions)))] if event.sessions else []
    place = place_of(event)
    if place:
        lines.append(str(_l("Place: %(place)s", place=place)))
    return lines
