"""Each kind's completion rule, applied by finalize (including track make-up days)."""
from datetime import datetime, timedelta, timezone

import pytest

from sqlalchemy import select

from lms.attendance import marking as attendance
from lms.completion import operations as completion
from lms.completion.models import Completion, NonCompletion

pytestmark = pytest.mark.usefixtures("request_context")


def _mark(session, enrollment, status, by, minutes=None):
    return attendance.mark(session, enrollment, status, by=by, minutes=minutes)


def _result(outcome):
    data = outcome.as_json()
    return set(data["completed"]), {n["enrollment_id"]: n["reason"] for n in data["not_completed"]}


def test_seminar_completes_when_present_or_late(db, make, trained, enrol):
    trainer, event = trained("seminar")
    s = event.sessions[0]
    present, late, absent, excused, unmarked = (enrol(make.person(), event) for _ in range(5))
    _mark(s, present, "present", trainer)
    _mark(s, late, "late", trainer)
    _mark(s, absent, "absent", trainer)
    _mark(s, excused, "excused", trainer)
    done, reasons = _result(completion.finalize(event, by=trainer))
    assert done == {present.id, late.id}
    assert set(reasons) == {absent.id, excused.id, unmarked.id}
    assert reasons[absent.id] == "Did not attend."


def test_workshop_completes_when_any_session_attended(db, make, trained, enrol):
    trainer, event = trained("workshop", sessions=2)
    a, b = enrol(make.person(), event), enrol(make.person(), event)
    _mark(event.sessions[1], a, "present", trainer)
    _mark(event.sessions[0], b, "absent", trainer)
    done, reasons = _result(completion.finalize(event, by=trainer))
    assert done == {a.id} and set(reasons) == {b.id}


def test_network_needs_min_meetings_of_the_cycle(db, make, trained, enrol):
    trainer, event = trained("network", sessions=4, settings={"min_meetings": 3, "cadence_per_year": 0})
    three, two = enrol(make.person(), event), enrol(make.person(), event)
    for s in event.sessions[:3]:
        _mark(s, three, "present", trainer)
    for s in event.sessions[:2]:
        _mark(s, two, "late", trainer)
    _mark(event.sessions[2], two, "excused", trainer)
    done, reasons = _result(completion.finalize(event, by=trainer))
    assert done == {three.id}
    assert reasons[two.id] == "Attended 2 of 3 meetings needed."


def _track(make, trained, min_ratio=1.0, cohorts=2):
    activity = make.activity(kind="track", settings={"days": 5, "blocks": [2, 2, 1], "min_ratio": min_ratio})
    start = datetime(2025, 3, 1, 8, tzinfo=timezone.utc)
    events = []
    for c in range(cohorts):
        trainer, event = trained(activity=activity, sessions=0)
        # 2+2+1: two days, a week's gap, two days, a week's gap, one day.
        for day, offset in enumerate([0, 1, 7, 8, 14]):
            begins = start + timedelta(days=offset + 30 * c)
            from lms.catalog.models import Session

            event.sessions.append(Session(starts_at=begins, ends_at=begins + timedelta(hours=6)))
        make.db.session.flush()
        events.append((trainer, event))
    return activity, events


def test_track_2_2_1_needs_every_day_unless_made_up_in_another_cohort(db, make, trained, enrol):
    _, [(t1, spring), (t2, autumn)] = _track(make, trained)
    full, missed, made_up = (enrol(make.person(), spring) for _ in range(3))
    for i, s in enumerate(spring.sessions):
        _mark(s, full, "present", t1)
        _mark(s, missed, "absent" if i == 2 else "present", t1)
        _mark(s, made_up, "absent" if i == 2 else "present", t1)
    # Day 3 made up in the autumn cohort (the autumn trainer marks the guest).
    _mark(autumn.sessions[2], made_up, "present", t2)

    done, reasons = _result(completion.finalize(spring, by=t1))
    assert done == {full.id, made_up.id}
    assert reasons[missed.id] == "Attended 4 of 5 days; 5 needed."
    c = db.session.scalar(select(Completion).where(Completion.enrollment_id == made_up.id))
    assert c.sessions_attended == 5
    assert c.minutes == 5 * 360 and c.hours == 30.0
    # The completion date is the make-up day, not the spring cohort's last day.
    assert c.completed_on == autumn.sessions[2].starts_at.date()


def test_track_make_up_counts_only_the_same_day_number(db, make, trained, enrol):
    _, [(t1, spring), (t2, autumn)] = _track(make, trained)
    person = enrol(make.person(), spring)
    for i, s in enumerate(spring.sessions):
        _mark(s, person, "absent" if i == 2 else "present", t1)
    # Attending autumn's day 1 again does not make up day 3.
    _mark(autumn.sessions[0], person, "present", t2)
    done, reasons = _result(completion.finalize(spring, by=t1))
    assert done == set()
    assert reasons[person.id] == "Attended 4 of 5 days; 5 needed."


def test_track_min_ratio_below_one(db, make, trained, enrol):
    _, [(t1, spring), (t2, autumn)] = _track(make, trained, min_ratio=0.8)
    four, three, three_plus_makeup = (enrol(make.person(), spring) for _ in range(3))
    for i, s in enumerate(spring.sessions):
        _mark(s, four, "absent" if i == 4 else "present", t1)
        _mark(s, three, "absent" if i in (0, 4) else "present", t1)
        _mark(s, three_plus_makeup, "absent" if i in (0, 4) else "present", t1)
    _mark(autumn.sessions[4], three_plus_makeup, "late", t2)
    done, reasons = _result(completion.finalize(spring, by=t1))
    assert done == {four.id, three_plus_makeup.id}
    assert reasons[three.id] == "Attended 3 of 5 days; 4 needed."


def test_make_up_mark_is_limited_to_the_same_track(db, make, trained, enrol):
    from lms.errors import ValidationError

    _, [(t1, spring), (t2, autumn)] = _track(make, trained)
    other_track_trainer, other_track = trained("track", sessions=5)
    seminar_trainer, seminar = trained("seminar")
    person = enrol(make.person(), spring)
    seminar_person = enrol(make.person(), seminar)
    _, other_seminar = trained("seminar", activity=seminar.activity)
    for session, enrollment in [
        (other_track.sessions[0], person),  # another track activity
        (other_seminar.sessions[0], seminar_person),  # a kind without make-up days
    ]:
        try:
            attendance.mark(session, enrollment, "present", by=t2)
        except ValidationError as error:
            assert "enrollment_id" in error.fields
        else:
            raise AssertionError("make-up mark accepted")


def test_make_up_after_the_home_cohort_is_finalized_completes_the_person(db, make, trained, enrol, login):
    _, [(t1, spring), (t2, autumn)] = _track(make, trained)
    person = enrol(make.person(name="Maja Makeup"), spring)
    for i, s in enumerate(spring.sessions):
        _mark(s, person, "excused" if i == 3 else "present", t1)
    completion.finalize(spring, by=t1)
    assert db.session.scalar(select(NonCompletion).where(NonCompletion.enrollment_id == person.id)) is not None

    # The autumn trainer sees her as a make-up candidate on day 4 and marks her.
    day4 = autumn.sessions[3]
    page = login(t2).get(f"/sessions/{day4.id}/attendance")
    assert "Maja Makeup" in page.get_data(as_text=True)
    r = login(t2).post(f"/sessions/{day4.id}/attendance/makeup", data={"enrollment_id": str(person.id)})
    assert r.status_code == 302
    roster = login(t2).get(f"/sessions/{day4.id}/attendance").get_data(as_text=True)
    assert "Make-up from" in roster

    assert db.session.scalar(select(Completion).where(Completion.enrollment_id == person.id)) is not None
    assert db.session.scalar(select(NonCompletion).where(NonCompletion.enrollment_id == person.id)) is None
    assert spring.status == "finalized"
