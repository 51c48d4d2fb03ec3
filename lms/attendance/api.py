"""GET,PUT /sessions/<id>/attendance."""
from lms.api.core import Endpoints, get_or_404, iso, json_body, require, user
from lms.attendance import marking
from lms.catalog.models import Session

endpoints = Endpoints()


def mark_json(mark):
    return {
        "enrollment_id": mark.enrollment_id,
        "person_id": mark.enrollment.person_id,
        "session_id": mark.session_id,
        "status": mark.status,
        "minutes": mark.minutes,
        "note": mark.note,
        "makeup": mark.is_makeup,
        "marked_by_id": mark.marked_by_id,
        "marked_at": iso(mark.marked_at),
    }


def _marks_json(session, marks):
    return {"session_id": session.id, "items": [mark_json(m) for m in marks], "total": len(marks)}


@endpoints.get("/sessions/<int:session_id>/attendance")
def session_attendance(session_id):
    session = get_or_404(Session, session_id)
    require("attendance.mark", session)
    return _marks_json(session, marking.session_marks(session))


@endpoints.put("/sessions/<int:session_id>/attendance")
def put_session_attendance(session_id):
    session = get_or_404(Session, session_id)
    require("attendance.mark", session)
    marks = marking.mark_many(session, json_body(expect=list), by=user())
    return _marks_json(session, marks)
