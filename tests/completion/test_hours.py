"""The hours rule: Python and SQL agree; programme totals."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.attendance import hours
from lms.attendance.models import Attendance
from lms.attendance.marking import mark
from lms.catalog.models import Session

pytestmark = pytest.mark.usefixtures("request_context")


def test_python_and_sql_credit_the_same_minutes(db, make, trained, enrol):
    programme = make.programme()
    start = datetime(2027, 5, 3, 7, 15, tzinfo=timezone.utc)
    by_length = make.activity(programme, kind="workshop")
    fixed = make.activity(programme, kind="workshop", hours_per_session=1.33)
    trainer, e1 = trained(activity=by_length, sessions=0)
    trainer2, e2 = trained(activity=fixed, sessions=0)
    for event in (e1, e2):
        for i, length in enumerate([95, 200, 47]):
            begin = start + timedelta(days=i)
            event.sessions.append(Session(starts_at=begin, ends_at=begin + timedelta(minutes=length)))
    db.session.flush()
    people = [make.person() for _ in range(3)]
    for event, t in ((e1, trainer), (e2, trainer2)):
        for n, p in enumerate(people):
            en = enrol(p, event)
            for i, s in enumerate(event.sessions):
                status = ["present", "late", "absent", "excused"][(n + i) % 4]
                mark(s, en, status, by=t, minutes=(33 if (n, i) == (1, 1) else None))
    marks = db.session.scalars(select(Attendance)).all()
    python_total = hours.minutes_of(marks)
    assert python_total == hours.programme_minutes(programme.id)
    per_person = hours.programme_minutes_by_person(programme.id)
    for p in people:
        assert per_person.get(p.id, 0) == hours.minutes_of([m for m in marks if m.enrollment.person_id == p.id])
    assert hours.rate_minutes(1.33) == 80
    assert hours.programme_minutes(programme.id, organisation_ids=[people[0].organisation_id]) == per_person.get(people[0].id, 0)


def test_hours_formatting_is_exact():
    assert hours.to_hours(110) == 1.83
    assert hours.to_hours(60) == 1.0
    assert hours.format_hours(450) == "7.50"
    assert hours.to_hours(1) == 0.02  # half up, never lost
