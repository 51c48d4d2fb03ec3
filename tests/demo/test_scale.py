"""The benchmark data (flask demo scale), on the run's empty database."""
import pytest
from sqlalchemy import func, select

from lms.attendance.models import Attendance
from lms.catalog.models import Activity, Event, Session
from lms.enrollment.models import Enrollment
from lms.people.models import Organisation, Person, RoleGrant
from lms.programmes.models import Programme


def count(db, query):
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def test_scale_small(db):
    from demo.scale import ScaleExists, scale_data

    lines = []
    summary = scale_data(200, seed=3, progress=lines.append)
    prog = db.session.scalar(select(Programme).where(Programme.code == "SCALE-200"))
    assert prog is not None and any("attendance" in line for line in lines)
    people = count(db, select(Person.id).where(Person.email.like("%@scale200.brobygger.se")))
    assert people == 200 == summary["rows"]["person"]
    assert count(db, select(Organisation.id).where(Organisation.name.like("SCALE-200 %"))) == 50
    kinds = set(db.session.scalars(select(Activity.kind).where(Activity.programme_id == prog.id)))
    assert kinds == {"seminar", "workshop", "network", "track"}
    events = select(Event.id).join(Activity).where(Activity.programme_id == prog.id)
    enrollments = count(db, select(Enrollment.id).where(Enrollment.event_id.in_(events)))
    trainers = count(db, select(RoleGrant.id).join(Person).where(Person.email.like("%@scale200.brobygger.se")))
    assert enrollments == 3 * (200 - trainers)
    # seats_taken is the number enrolled, within capacity.
    rows = db.session.execute(select(Event.seats_taken, Event.capacity, func.count(Enrollment.id)).join(Activity)
                              .outerjoin(Enrollment, Enrollment.event_id == Event.id)
                              .where(Activity.programme_id == prog.id).group_by(Event.id)).all()
    assert all(seats == n <= cap for seats, cap, n in rows)
    marks = count(db, select(Attendance.id).join(Enrollment).where(Enrollment.event_id.in_(events)))
    assert marks == summary["rows"]["attendance"] and 8 * 200 <= marks <= 30 * 200
    track_sessions = db.session.execute(select(func.count(Session.id)).join(Event).join(Activity)
                                        .where(Activity.programme_id == prog.id, Activity.kind == "track")
                                        .group_by(Event.id)).scalars().all()
    assert set(track_sessions) == {5}
    # Datetimes written in bulk read back as aware UTC and in order.
    s = db.session.scalar(select(Session).join(Event).join(Activity).where(Activity.programme_id == prog.id).limit(1))
    assert s.starts_at.tzinfo is not None and s.ends_at > s.starts_at
    # New rows after a bulk load get fresh ids (sequences / max id in step).
    org = Organisation(name="After scale")
    db.session.add(org)
    db.session.flush()
    assert org.id > max(o for o in db.session.scalars(select(Organisation.id).where(Organisation.name != "After scale")))

    with pytest.raises(ScaleExists):
        scale_data(200, seed=3)
    again = scale_data(200, seed=3, replace=True)
    assert again["rows"]["person"] == 200
    assert count(db, select(Programme.id).where(Programme.code == "SCALE-200")) == 1
    assert count(db, select(Person.id).where(Person.email.like("%@scale200.brobygger.se"))) == 200
