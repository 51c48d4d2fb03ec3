"""The trainer's roster and the attendance API: marking, audit, lock, access."""
from sqlalchemy import select

from lms.attendance.models import Attendance, AttendanceChange


def _marks(db, session):
    return {m.enrollment_id: m for m in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))}


def _changes(db, session):
    return db.session.scalars(
        select(AttendanceChange).where(AttendanceChange.session_id == session.id).order_by(AttendanceChange.id)
    ).all()


def test_trainer_marks_a_row_and_every_change_is_audited(db, make, trained, enrol, login):
    trainer, event = trained()
    session = event.sessions[0]
    person = make.person()
    e = enrol(person, event)
    client = login(trainer)

    r = client.post(f"/sessions/{session.id}/attendance/{e.id}", data={"status": "present"})
    assert r.status_code == 302 and r.location.endswith(f"#row-{e.id}")
    assert _marks(db, session)[e.id].status == "present"
    assert _marks(db, session)[e.id].marked_by_id == trainer.id

    r = client.post(
        f"/sessions/{session.id}/attendance/{e.id}",
        data={"status": "late", "minutes": "90", "note": "Train delayed", "reason": "Arrived 10:30"},
    )
    assert r.status_code == 302
    mark = _marks(db, session)[e.id]
    assert (mark.status, mark.minutes, mark.note) == ("late", 90, "Train delayed")

    changes = _changes(db, session)
    assert [(c.old_status, c.new_status, c.old_minutes, c.new_minutes) for c in changes] == [
        (None, "present", None, None),
        ("present", "late", None, 90),
    ]
    assert changes[1].changed_by_id == trainer.id
    assert changes[1].reason == "Arrived 10:30"
    assert changes[1].changed_at is not None

    # The same mark again is not a change.
    client.post(f"/sessions/{session.id}/attendance/{e.id}", data={"status": "late", "minutes": "90", "note": "Train delayed"})
    assert len(_changes(db, session)) == 2


def test_invalid_minutes_show_beside_the_row_and_write_nothing(db, make, trained, enrol, login):
    trainer, event = trained()
    session = event.sessions[0]
    e = enrol(make.person(), event)
    r = login(trainer).post(f"/sessions/{session.id}/attendance/{e.id}", data={"status": "present", "minutes": "lots"})
    assert r.status_code == 422
    assert b"Give whole minutes." in r.data
    assert b'aria-invalid="true"' in r.data
    r = login(trainer).post(f"/sessions/{session.id}/attendance/{e.id}", data={"status": "asleep"})
    assert r.status_code == 422
    assert e.id not in _marks(db, session)


def test_mark_all_present_only_touches_unmarked_rows(db, make, trained, enrol, login):
    trainer, event = trained()
    other_trainer = make.person(role="trainer")
    event.trainers.append(other_trainer)
    session = event.sessions[0]
    a, b, c = (enrol(make.person(), event) for _ in range(3))
    enrol(make.person(), event, status="waitlisted")
    login(trainer).post(f"/sessions/{session.id}/attendance/{a.id}", data={"status": "absent"})

    r = login(other_trainer).post(f"/sessions/{session.id}/attendance/all-present")
    assert r.status_code == 302
    marks = _marks(db, session)
    assert marks[a.id].status == "absent"
    assert marks[b.id].status == "present" and marks[c.id].status == "present"
    assert len(marks) == 3  # the waitlisted person is not on the roster
    # Pressing it again changes nothing.
    login(other_trainer).post(f"/sessions/{session.id}/attendance/all-present")
    assert len(_changes(db, session)) == 3


def test_roster_lists_twenty_people_with_one_tap_buttons(db, make, trained, enrol, login):
    trainer, event = trained()
    session = event.sessions[0]
    org = make.organisation(name="Lindesberg kommun")
    fn = make.function("counsellor", "Study and career counsellor")
    people = [make.person(organisation=org, function=fn, name=f"Participant {i:02d}") for i in range(20)]
    for p in people:
        enrol(p, event)
    r = login(trainer).get(f"/sessions/{session.id}/attendance")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert html.count('class="roster-row') == 20
    assert html.count('name="status" value="present"') == 20
    assert html.count('name="status" value="excused"') == 20
    assert "Lindesberg kommun" in html and "Study and career counsellor" in html
    assert "Participant 00" in html and "Participant 19" in html
    assert "0 of 20 marked" in html
    assert 'name="viewport"' in html


def test_access_rules_for_marking(db, make, trained, enrol, login, api, client):
    trainer, event = trained()
    session = event.sessions[0]
    staff = make.person()
    e = enrol(staff, event)
    url = f"/sessions/{session.id}/attendance"

    assert login(staff).get(url).status_code == 403
    assert login(staff).post(f"{url}/{e.id}", data={"status": "present"}).status_code == 403
    assert api(staff).put(f"/api/v1{url}", json=[{"enrollment_id": e.id, "status": "present"}]).status_code == 403
    other_trainer, _ = trained()
    assert login(other_trainer).get(url).status_code == 403
    other_coordinator = make.person(role="coordinator", scope=make.programme())
    assert login(other_coordinator).get(url).status_code == 403
    coordinator = make.person(role="coordinator", scope=event.activity.programme)
    assert login(coordinator).get(url).status_code == 200
    assert api(coordinator).put(f"/api/v1{url}", json=[{"enrollment_id": e.id, "status": "present"}]).status_code == 200
    with client.session_transaction() as s:
        s.clear()
    from flask import g

    g.pop("_login_user", None)
    r = client.get(url)
    assert r.status_code == 302 and "/login" in r.location
    assert client.get(f"/api/v1{url}").status_code == 401
    assert login(trainer).get("/sessions/999999/attendance").status_code == 404


def test_api_get_and_put_attendance(db, make, trained, enrol, api):
    trainer, event = trained()
    session = event.sessions[0]
    a, b = enrol(make.person(), event), enrol(make.person(), event)
    r = api(trainer).put(
        f"/api/v1/sessions/{session.id}/attendance",
        json=[{"enrollment_id": a.id, "status": "present"}, {"enrollment_id": b.id, "status": "late", "minutes": 45, "note": "bus"}],
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["total"] == 2
    by_id = {m["enrollment_id"]: m for m in body["items"]}
    marks = _marks(db, session)
    assert by_id[a.id] == {
        "enrollment_id": a.id, "person_id": a.person_id, "session_id": session.id, "status": "present",
        "minutes": None, "note": None, "makeup": False, "marked_by_id": trainer.id,
        "marked_at": marks[a.id].marked_at.isoformat(),
    }
    assert by_id[b.id] == {
        "enrollment_id": b.id, "person_id": b.person_id, "session_id": session.id, "status": "late",
        "minutes": 45, "note": "bus", "makeup": False, "marked_by_id": trainer.id,
        "marked_at": marks[b.id].marked_at.isoformat(),
    }
    assert (marks[b.id].status, marks[b.id].minutes, marks[b.id].note) == ("late", 45, "bus")
    assert api(trainer).get(f"/api/v1/sessions/{session.id}/attendance").get_json()["items"] == body["items"]


def test_api_put_refuses_bad_items_and_writes_nothing(db, make, trained, enrol, api):
    trainer, event = trained()
    _, other_event = trained()
    session = event.sessions[0]
    a = enrol(make.person(), event)
    stranger = enrol(make.person(), other_event)
    url = f"/api/v1/sessions/{session.id}/attendance"

    r = api(trainer).put(url, json=[{"enrollment_id": a.id, "status": "present"}, {"enrollment_id": a.id, "status": "sleeping"}])
    assert r.status_code == 422
    assert r.get_json()["error"]["code"] == "validation_error"
    assert "1.status" in r.get_json()["error"]["fields"]
    assert _marks(db, session) == {}

    r = api(trainer).put(url, json=[{"enrollment_id": 987654, "status": "present"}])
    assert r.status_code == 422 and "0.enrollment_id" in r.get_json()["error"]["fields"]
    r = api(trainer).put(url, json=[{"enrollment_id": stranger.id, "status": "present"}])
    assert r.status_code == 422
    r = api(trainer).put(url, json=[{"enrollment_id": a.id, "status": "present", "minutes": -5}])
    assert r.status_code == 422 and "0.minutes" in r.get_json()["error"]["fields"]
    r = api(trainer).put(url, json={"enrollment_id": a.id})
    assert r.status_code == 400
    r = api(trainer).put(url, data="not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = api(trainer).put(url, json=["x"])
    assert r.status_code == 422
    assert _marks(db, session) == {}


def test_finalized_event_locks_marks_until_a_coordinator_reopens(db, make, past_trained, enrol, api, login):
    trainer, event = past_trained()
    session = event.sessions[0]
    a = enrol(make.person(), event)
    url = f"/api/v1/sessions/{session.id}/attendance"
    assert api(trainer).put(url, json=[{"enrollment_id": a.id, "status": "absent"}]).status_code == 200
    assert api(trainer).post(f"/api/v1/events/{event.id}/finalize").status_code == 200

    r = api(trainer).put(url, json=[{"enrollment_id": a.id, "status": "present"}])
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "event_finalized"
    r = login(trainer).post(f"/sessions/{session.id}/attendance/{a.id}", data={"status": "present"})
    assert r.status_code == 409
    assert login(trainer).post(f"/sessions/{session.id}/attendance/all-present").status_code == 409
    assert b"attendance is locked" in login(trainer).get(f"/sessions/{session.id}/attendance").data

    # A trainer cannot reopen; a coordinator must give a reason.
    assert api(trainer).post(f"/api/v1/events/{event.id}/reopen", json={"reason": "typo"}).status_code == 403
    coordinator = make.person(role="coordinator", scope=event.activity.programme)
    r = api(coordinator).post(f"/api/v1/events/{event.id}/reopen", json={"reason": "  "})
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"]
    r = api(coordinator).post(f"/api/v1/events/{event.id}/reopen", json={"reason": "Anna was there; marked wrong"})
    assert r.status_code == 200 and r.get_json()["status"] == "open"  # its status before finalize
    assert api(trainer).put(url, json=[{"enrollment_id": a.id, "status": "present"}]).status_code == 200


def test_audit_pages_are_for_coordinators(db, make, trained, enrol, login):
    trainer, event = trained()
    session = event.sessions[0]
    person = make.person(name="Audited Person")
    e = enrol(person, event)
    login(trainer).post(f"/sessions/{session.id}/attendance/{e.id}", data={"status": "present"})
    login(trainer).post(f"/sessions/{session.id}/attendance/{e.id}", data={"status": "excused", "reason": "Sick note"})
    assert login(trainer).get(f"/sessions/{session.id}/attendance/audit").status_code == 403
    assert login(person).get(f"/people/{person.id}/attendance-audit").status_code == 403
    coordinator = make.person(role="coordinator")
    r = login(coordinator).get(f"/sessions/{session.id}/attendance/audit")
    assert r.status_code == 200 and b"Sick note" in r.data and b"Excused" in r.data
    r = login(coordinator).get(f"/people/{person.id}/attendance-audit")
    assert r.status_code == 200 and b"Sick note" in r.data


def test_a_row_inserted_meanwhile_by_another_trainer_is_updated_not_lost(db, make, trained, enrol, monkeypatch, request_context):
    """Two trainers insert the same row at once: the loser's insert hits the unique
    constraint inside a savepoint and becomes an audited update; the request survives."""
    from lms.attendance import marking

    trainer, event = trained()
    session = event.sessions[0]
    e = enrol(make.person(), event)
    marking.mark(session, e, "absent", by=trainer)  # the other trainer's row, already there

    real_scalar = db.session.scalar
    mark_reads = []

    def stale_first_read(statement, *args, **kw):
        # Only the reads of this row's mark: the first one misses the other trainer's row.
        descriptions = getattr(statement, "column_descriptions", None) or [{}]
        if descriptions[0].get("entity") is Attendance:
            mark_reads.append(statement)
            if len(mark_reads) == 1:
                return None
        return real_scalar(statement, *args, **kw)

    monkeypatch.setattr(db.session, "scalar", stale_first_read)
    mark = marking.mark(session, e, "present", by=trainer)
    monkeypatch.undo()
    # The stale read, then the read again after the unique constraint refused the insert.
    assert len(mark_reads) == 2
    assert mark.status == "present"
    assert [(c.old_status, c.new_status) for c in _changes(db, session)] == [(None, "absent"), ("absent", "present")]
