"""Self check-in: rotating code, time window, enrolment; the trainer sees check-ins."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.attendance import checkin
from lms.attendance.models import Attendance
from lms.errors import ValidationError


def _running(trained, clock, **kw):
    """An event whose session started 10 minutes ago (on the stopped clock) and lasts 3 hours."""
    return trained("seminar", start=clock.now - timedelta(minutes=10), **kw)


@pytest.mark.usefixtures("request_context")
def test_code_shape_rotation_and_previous_slot(db, make, trained):
    _, event = trained()
    s = event.sessions[0]
    t = datetime(2027, 1, 1, 12, 0, 30, tzinfo=timezone.utc)
    code = checkin.check_in_code(s, t)
    assert len(code) == 6 and set(code) <= set(checkin.CHECKIN_ALPHABET)
    assert not set(code) & set("0O1IL")
    assert checkin.check_in_code(s, t + timedelta(minutes=2)) == code
    later = t + timedelta(minutes=5)
    assert checkin.check_in_code(s, later) != code
    assert checkin._code_matches(s, code, later)  # the previous slot is still accepted
    assert not checkin._code_matches(s, code, t + timedelta(minutes=10))
    _, other = trained()
    assert checkin.check_in_code(other.sessions[0], t) != code


@pytest.mark.usefixtures("request_context")
def test_window_enrolment_and_code_are_checked(db, make, trained, enrol):
    start = datetime(2027, 2, 1, 9, tzinfo=timezone.utc)
    _, event = trained("seminar", start=start, hours=2)
    s = event.sessions[0]
    person = make.person()
    enrol(person, event)
    stranger = make.person()

    too_early = start - timedelta(minutes=31)
    with pytest.raises(ValidationError) as err:
        checkin.check_in(person, checkin.check_in_code(s, too_early), session=s, now=too_early)
    assert err.value.code == "outside_window"
    too_late = start + timedelta(hours=2, minutes=1)
    with pytest.raises(ValidationError) as err:
        checkin.check_in(person, checkin.check_in_code(s, too_late), session=s, now=too_late)
    assert err.value.code == "outside_window"

    now = start - timedelta(minutes=20)
    with pytest.raises(ValidationError) as err:
        checkin.check_in(person, "ABCDEF" if checkin.check_in_code(s, now) != "ABCDEF" else "BCDEFG", session=s, now=now)
    assert err.value.code == "invalid_code"
    with pytest.raises(ValidationError) as err:
        checkin.check_in(person, "12", session=s, now=now)
    assert "code" in err.value.fields
    with pytest.raises(ValidationError) as err:
        checkin.check_in(stranger, checkin.check_in_code(s, now), session=s, now=now)
    assert err.value.code == "not_enrolled"

    # Typed without the session (lower case, with a space): found among open sessions.
    code = checkin.check_in_code(s, now)
    typed = f"{code[:3].lower()} {code[3:]}"
    mark, created = checkin.check_in(person, typed, now=now)
    assert created and mark.status == "present" and mark.marked_by_id == person.id and mark.is_check_in
    again, created = checkin.check_in(person, code, session=s, now=now)
    assert not created and again.id == mark.id


def test_check_in_over_http_and_trainer_sees_and_corrects_it(db, make, trained, enrol, login, clock):
    trainer, event = _running(trained, clock)
    s = event.sessions[0]
    person = make.person(name="Selma Selfcheck")
    e = enrol(person, event)
    code_page = login(trainer).get(f"/sessions/{s.id}/check-in-code")
    assert code_page.status_code == 200
    assert code_page.headers["Refresh"] == "60"
    html = code_page.get_data(as_text=True)
    assert "<svg" in html
    with login(trainer).application.test_request_context("/"):
        code = checkin.check_in_code(s)
    assert code in html
    assert login(person).get(f"/sessions/{s.id}/check-in-code").status_code == 403

    # Scanning the QR code opens the form filled in; nothing is marked by a GET.
    r = login(person).get(f"/checkin?session={s.id}&code={code}")
    assert r.status_code == 200 and code in r.get_data(as_text=True)
    assert db.session.scalar(select(Attendance).where(Attendance.enrollment_id == e.id)) is None

    r = login(person).post("/checkin", data={"session": str(s.id), "code": code})
    assert r.status_code == 302
    done = login(person).get(r.location)
    assert done.status_code == 200 and b"Checked in" in done.data
    mark = db.session.scalar(select(Attendance).where(Attendance.enrollment_id == e.id))
    assert mark.status == "present" and mark.marked_by_id == person.id

    roster = login(trainer).get(f"/sessions/{s.id}/attendance").get_data(as_text=True)
    assert "Checked in themselves" in roster
    r = login(trainer).post(f"/sessions/{s.id}/attendance/{e.id}", data={"status": "late", "minutes": "120", "reason": "Came at 10"})
    assert r.status_code == 302
    db.session.refresh(mark)
    assert (mark.status, mark.minutes, mark.marked_by_id) == ("late", 120, trainer.id)


def test_check_in_refusals_over_http(db, make, trained, enrol, login, client, clock):
    trainer, event = _running(trained, clock)
    s = event.sessions[0]
    stranger = make.person()
    with client.application.test_request_context("/"):
        code = checkin.check_in_code(s)
    r = login(stranger).post("/checkin", data={"session": str(s.id), "code": code})
    assert r.status_code == 422 and b"not enrolled" in r.data
    r = login(stranger).post("/checkin", data={"code": ""})
    assert r.status_code == 422
    r = login(stranger).post("/checkin", data={"code": "ZZZZZZ", "session": "nonsense"})
    assert r.status_code == 422
    from flask import g

    with client.session_transaction() as sess:
        sess.clear()
    g.pop("_login_user", None)
    r = client.get("/checkin")
    assert r.status_code == 302 and "/login" in r.location


def test_check_in_refused_after_finalize(db, make, trained, enrol, login, api, clock):
    trainer, event = _running(trained, clock)
    s = event.sessions[0]
    person = make.person()
    enrol(person, event)
    # A running event cannot be finalized yet; one finalized anyway (e.g. before this rule) locks check-in.
    r = api(trainer).post(f"/api/v1/events/{event.id}/finalize")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "event_not_over"
    event.status = "finalized"
    db.session.commit()
    with login(person).application.test_request_context("/"):
        code = checkin.check_in_code(s)
    r = login(person).post("/checkin", data={"session": str(s.id), "code": code})
    assert r.status_code == 409


def test_check_in_code_page_says_plainly_when_closed_and_shows_no_code(db, make, trained, login, clock):
    trainer, ended = trained("seminar", start=clock.now - timedelta(hours=5))
    s = ended.sessions[0]
    r = login(trainer).get(f"/sessions/{s.id}/check-in-code")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Check-in is closed." in html and "It closed when the session ended" in html
    with login(trainer).application.test_request_context("/"):
        code = checkin.check_in_code(s)
    assert code not in html and "<svg" not in html and "Refresh" not in r.headers

    trainer, finalized = _running(trained, clock)
    finalized.status = "finalized"
    db.session.commit()
    html = login(trainer).get(f"/sessions/{finalized.sessions[0].id}/check-in-code").get_data(as_text=True)
    assert "Check-in is closed." in html and "The event is finalized." in html and "<svg" not in html

    trainer, later = trained("seminar", start=clock.now + timedelta(days=2))
    html = login(trainer).get(f"/sessions/{later.sessions[0].id}/check-in-code").get_data(as_text=True)
    assert "Check-in is not open yet." in html and "<svg" not in html
