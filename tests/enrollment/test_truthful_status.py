"""Statuses that tell the truth: results on My learning, completions in the approvals
queue, the rejection reason on the event page, enrolment closing at the first session."""
import re
from datetime import timedelta

import pytest

from lms.types import utcnow


def _past_event(make, title, **kw):
    return make.event(make.activity(kind="seminar", title=title), start=utcnow() - timedelta(days=20), **kw)


def test_my_learning_past_shows_completed_not_completed_in_progress(db, make, enrol, login):
    from lms.completion.models import Completion, NonCompletion

    person = make.person()
    done, failed, waiting = _past_event(make, "Done one"), _past_event(make, "Failed one"), _past_event(make, "Open one")
    done.status = failed.status = "finalized"
    db.session.add(Completion(enrollment_id=enrol(person, done).id, completed_on=utcnow().date(), minutes=180, hours=3))
    db.session.add(NonCompletion(enrollment_id=enrol(person, failed).id, reason="Did not attend."))
    enrol(person, waiting)
    db.session.commit()
    page = login(person).get("/me/learning").get_data(as_text=True)
    past = page.split("<h2>Past</h2>", 1)[1]
    rows = {title: row for title, row in re.findall(r">(Done one|Failed one|Open one)</a>(.*?)</tr>", past, re.S)}
    assert "Completed" in rows["Done one"]
    assert "Not completed" in rows["Failed one"]
    assert "In progress" in rows["Open one"]
    assert "Enrolled" not in past


def test_approvals_show_completed_activities_and_warn_on_a_repeat(db, make, enrol, login):
    from lms.completion.models import Completion

    manager = make.person(role="manager")
    staff = make.person(organisation=manager.organisation, name="Ulla Upprepning")
    activity = make.activity(kind="seminar", title="Grundkurs", requires_approval=True)
    old = make.event(activity, start=utcnow() - timedelta(days=60), status="finalized")
    db.session.add(Completion(enrollment_id=enrol(staff, old).id, completed_on=utcnow().date(), minutes=180, hours=3))
    enrol(staff, make.event(activity), status="pending_approval")
    db.session.commit()
    page = login(manager).get("/manager/approvals").get_data(as_text=True)
    assert "Ulla Upprepning has already completed Grundkurs." in page
    assert "Grundkurs (Completed)" in page and "Grundkurs (Enrolled)" not in page


def test_no_repeat_warning_for_a_first_request(db, make, enrol, login):
    manager = make.person(role="manager")
    staff = make.person(organisation=manager.organisation)
    enrol(staff, make.event(make.activity(requires_approval=True)), status="pending_approval")
    db.session.commit()
    assert "has already completed" not in login(manager).get("/manager/approvals").get_data(as_text=True)


def test_rejected_person_sees_the_reason_on_the_event_page(db, make, api, login):
    manager = make.person(role="manager")
    staff = make.person(organisation=manager.organisation)
    event = make.event(make.activity(requires_approval=True))
    r = api(staff).post(f"/api/v1/events/{event.id}/enrollments").get_json()
    assert api(manager).post(f"/api/v1/enrollments/{r['id']}/reject", json={"reason": "No budget this term"}).status_code == 200
    page = login(staff).get(f"/events/{event.id}").get_data(as_text=True)
    assert "Your enrolment was not approved." in page and "Reason: No budget this term" in page


def test_enrolment_closes_at_the_first_session_without_a_closing_time(db, make, api, login):
    from lms.enrollment.operations import check_open
    from lms.errors import Conflict

    started = make.event(start=utcnow() - timedelta(minutes=5))
    with pytest.raises(Conflict) as error:
        check_open(started)
    assert error.value.code == "enrolment_closed"
    r = api(make.person()).post(f"/api/v1/events/{started.id}/enrollments")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "enrolment_closed"
    page = login(make.person()).get(f"/events/{started.id}").get_data(as_text=True)
    assert "Enrolment closed when the first session started." in page
    # A closing time set later than the start wins.
    late = make.event(start=utcnow() - timedelta(minutes=5), enrol_closes_at=utcnow() + timedelta(hours=1))
    check_open(late)
    check_open(make.event())  # not started: open
