"""Fixtures for certificate tests: finalized events whose participants completed."""
import subprocess

import pytest


@pytest.fixture
def trained(past_trained):
    """Certificates come from finalized events, which have ended: sessions in the past."""
    return past_trained


@pytest.fixture
def finalized(db, make, trained, enrol):
    """``finalized(kind, people=[...], sessions=n, **event)``: marks everyone present on
    every session and finalizes (the certificates receiver of ``event_finalized`` issues, eagerly). Returns
    ``(event, outcome)``."""

    def build(kind="seminar", people=None, sessions=None, settings=None, programme=None, **kw):
        from lms.attendance.models import Attendance
        from lms.completion import operations as completion

        if sessions is None:
            sessions = {"track": 5, "network": 3}.get(kind, 1)
        activity = make.activity(programme=programme, kind=kind, settings=settings,
                                 title=kw.pop("title", None) or f"Activity {kind}")
        trainer, event = trained(kind, sessions=sessions, activity=activity, **kw)
        people = people if people is not None else [make.person()]
        for person in people:
            enrollment = enrol(person, event)
            for session in event.sessions:
                db.session.add(Attendance(enrollment_id=enrollment.id, session_id=session.id, status="present"))
        db.session.flush()
        outcome = completion.finalize(event, by=trainer)
        return event, outcome

    return build


@pytest.fixture
def pdf_text(tmp_path):
    """``pdf_text(bytes)``: the PDF's text as pdftotext reads it."""

    def read(data):
        path = tmp_path / "c.pdf"
        path.write_bytes(data)
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout

    return read
