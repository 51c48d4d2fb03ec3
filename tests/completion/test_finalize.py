"""Finalize (idempotent) and reopen (coordinators, audited). Its signals: test_signals.py."""
from sqlalchemy import func, select

from lms.completion.models import Completion, Finalization


def _put(api, trainer, session, marks):
    r = api(trainer).put(f"/api/v1/sessions/{session.id}/attendance", json=marks)
    assert r.status_code == 200, r.get_json()


def test_finalize_answers_completed_not_completed_and_certificates(db, make, trained, enrol, api):
    trainer, event = trained("seminar")
    s = event.sessions[0]
    a, b = enrol(make.person(), event), enrol(make.person(), event)
    _put(api, trainer, s, [{"enrollment_id": a.id, "status": "present"}, {"enrollment_id": b.id, "status": "absent"}])
    r = api(trainer).post(f"/api/v1/events/{event.id}/finalize")
    assert r.status_code == 200
    body = r.get_json()
    assert {k: body[k] for k in ("completed", "not_completed")} == {
        "completed": [a.id],
        "not_completed": [{"enrollment_id": b.id, "reason": "Did not attend."}],
    }
    from certificates.models import Certificate

    codes = [c.code for c in db.session.scalars(select(Certificate).where(Certificate.completion_id.isnot(None)))
             if c.completion.enrollment_id == a.id]
    assert body["certificates"] == codes and len(codes) == 1  # one certificate, for the one completion
    assert event.status == "finalized"


def test_finalizing_twice_gives_the_same_completions(db, make, trained, enrol, api):
    trainer, event = trained("workshop", sessions=2)
    a, b = enrol(make.person(), event), enrol(make.person(), event)
    _put(api, trainer, event.sessions[0], [{"enrollment_id": a.id, "status": "present", "minutes": 100}])
    first = api(trainer).post(f"/api/v1/events/{event.id}/finalize").get_json()
    rows = {c.enrollment_id: (c.id, c.completed_on, c.minutes) for c in db.session.scalars(select(Completion))}
    second = api(trainer).post(f"/api/v1/events/{event.id}/finalize").get_json()
    assert first == second
    assert {c.enrollment_id: (c.id, c.completed_on, c.minutes) for c in db.session.scalars(select(Completion))} == rows
    assert db.session.scalar(select(func.count()).select_from(Finalization)) == 1


def test_reopen_change_and_finalize_again_updates_completions(db, make, trained, enrol, api, login):
    trainer, event = trained("seminar")
    s = event.sessions[0]
    a, b = enrol(make.person(), event), enrol(make.person(), event)
    _put(api, trainer, s, [{"enrollment_id": a.id, "status": "present"}, {"enrollment_id": b.id, "status": "absent"}])
    api(trainer).post(f"/api/v1/events/{event.id}/finalize")

    coordinator = make.person(role="coordinator", scope=event.activity.programme)
    r = login(coordinator).post(f"/events/{event.id}/reopen", data={"reason": ""})
    assert r.status_code == 422 and event.status == "finalized"
    r = login(coordinator).post(f"/events/{event.id}/reopen", data={"reason": "Swapped marks"})
    assert r.status_code == 302 and event.status == "open"  # back to its status before finalize

    _put(api, trainer, s, [{"enrollment_id": a.id, "status": "absent"}, {"enrollment_id": b.id, "status": "present"}])
    again = api(trainer).post(f"/api/v1/events/{event.id}/finalize").get_json()
    assert again["completed"] == [b.id]
    assert [n["enrollment_id"] for n in again["not_completed"]] == [a.id]
    assert db.session.scalars(select(Completion.enrollment_id)).all() == [b.id]

    history = db.session.scalars(select(Finalization).where(Finalization.event_id == event.id).order_by(Finalization.id)).all()
    assert [(h.action, h.by_id, h.reason) for h in history] == [
        ("finalized", trainer.id, None), ("reopened", coordinator.id, "Swapped marks"), ("finalized", trainer.id, None),
    ]
    page = login(coordinator).get(f"/events/{event.id}/completion").get_data(as_text=True)
    assert "Swapped marks" in page and "Reopened" in page


def test_who_may_finalize_and_reopen(db, make, trained, enrol, api, login):
    trainer, event = trained("seminar")
    staff = make.person()
    enrol(staff, event)
    assert api(staff).post(f"/api/v1/events/{event.id}/finalize").status_code == 403
    other_trainer, _ = trained()
    assert api(other_trainer).post(f"/api/v1/events/{event.id}/finalize").status_code == 403
    assert api(trainer).post("/api/v1/events/999999/finalize").status_code == 404
    assert login(trainer).get(f"/events/{event.id}/completion").status_code == 200
    assert login(staff).get(f"/events/{event.id}/completion").status_code == 403
    assert login(trainer).post(f"/events/{event.id}/finalize").status_code == 302
    assert login(trainer).post(f"/events/{event.id}/reopen", data={"reason": "x"}).status_code == 403
    admin = make.person(role="admin")
    assert api(admin).post(f"/api/v1/events/{event.id}/reopen", json={"reason": "fix"}).status_code == 200
    # Reopening an event that is not finalized is a conflict.
    assert api(admin).post(f"/api/v1/events/{event.id}/reopen", json={"reason": "again"}).status_code == 409
    assert api(admin).post(f"/api/v1/events/{event.id}/reopen", json=["no"]).status_code == 400
