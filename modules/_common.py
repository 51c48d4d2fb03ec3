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


def hours_of(marks, hours_per_session=None):
    """Hours credited for attended marks (see :mod:`lms.attendance.hours`)."""
    return to_hours(minutes_of(marks))


def credited(marks):
    """``(hours, details)`` for a CompletionResult: exact minutes and sessions attended."""
    minutes = minutes_of(marks)
    return to_hours(minutes), {"minutes": minutes, "sessions_attended": len(attended_marks(marks))}
