"""The demo programme (flask demo load), loaded once for the module (see ``demo_database``):
every test sees it as loaded, inside a transaction rolled back at the test's end."""
from collections import Counter
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from lms.attendance.models import Attendance
from lms.catalog.models import Activity, Event, Session
from lms.completion.models import Completion, NonCompletion
from lms.enrollment.models import Enrollment
from lms.people.models import JobFunction, Organisation, Person, RoleGrant
from lms.programmes.models import Goal, Programme


@pytest.fixture(scope="module")
def app(demo_database):
    return demo_database.app


@pytest.fixture
def demo(db, demo_database):
    """(the demo programme, what ``load_demo`` returned when the module loaded it)."""
    return db.session.scalar(select(Programme).where(Programme.code == "LC-KOMP")), demo_database.result


def count(db, query):
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def test_demo_reference_data(db, demo):
    prog, result = demo
    assert len(prog.organisations) == 17
    assert count(db, select(Organisation.id).where(Organisation.kind == "federation")) == 3
    assert {f.code for f in db.session.scalars(select(JobFunction))} >= {
        "unit_manager", "counsellor", "project_leader", "teacher", "broker", "other_staff",
        "business_unit", "employment_service", "company", "politician"}
    assert sum(t.planned for t in prog.targets) == 260
    assert len(prog.themes) == 8
    assert prog.starts_on < prog.ends_on
    goals = {g.key: g for g in prog.goals}
    assert len(goals) == 11
    assert [g.unit for g in goals.values()].count("persons") == 4
    assert [g.unit for g in goals.values()].count("organisations") == 7
    assert {f.code for f in goals["G3"].functions} == {"unit_manager", "broker", "project_leader", "teacher"}
    assert goals["G1"].functions == []
    g1_kinds = Counter(a.kind for a in goals["G1"].activities)
    assert g1_kinds == {"seminar": 20, "workshop": 30 + 17}
    assert len(goals["G4"].activities) == 17
    assert all(a.title.startswith("Lokalt utvecklingsarbete") for a in goals["G4"].activities)
    assert {a.kind for a in goals["G3"].activities} == {"network", "track"}
    assert result["counts"]["organisations"] == 17


def test_demo_people(db, demo):
    prog, _ = demo
    org_ids = [o.id for o in prog.organisations]
    people = db.session.scalars(select(Person).where(
        Person.organisation_id.in_(org_ids), Person.job_function_id.isnot(None))).all()
    assert len(people) == 260
    by_function = Counter(p.job_function.code for p in people)
    assert by_function["teacher"] == 86 and by_function["company"] == 29 and by_function["broker"] == 6
    attached = {p.organisation.kind for p in people if p.job_function.code in ("company", "business_unit", "employment_service")}
    assert attached == {"municipality"}
    genders = Counter(p.gender for p in people)
    assert 150 <= genders["female"] <= 160 and 95 <= genders["male"] <= 110 and 0 < genders["unspecified"] < 10
    assert all(1960 <= p.birth_year <= 1998 for p in people)
    assert all(p.email.endswith("@demo.brobygger.se") for p in people)
    assert sum(1 for p in people if p.password_hash) == 5  # the five demo logins are participants too
    assert len({p.organisation_id for p in people}) == 17


def test_demo_logins(db, demo):
    from lms.auth.operations import authenticate

    for email in ("admin", "koordinator", "chef.orebro", "utbildare", "anna.personal"):
        assert authenticate(f"{email}@demo.brobygger.se", "demo1234") is not None
    chef = db.session.scalar(select(Person).where(Person.email == "chef.orebro@demo.brobygger.se"))
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.person_id == chef.id))
    assert grant.role == "manager" and grant.organisation.name == "Örebro kommun"
    coordinator = db.session.scalar(select(Person).where(Person.email == "koordinator@demo.brobygger.se"))
    assert [(g.role, g.programme_id, g.organisation_id) for g in coordinator.roles] == [("coordinator", None, None)]
    trainer = db.session.scalar(select(Person).where(Person.email == "utbildare@demo.brobygger.se"))
    assert trainer.has_role("trainer")
    assert count(db, select(Event.id).where(Event.trainers.any(Person.id == trainer.id))) >= 5
    anna = db.session.scalar(select(Person).where(Person.email == "anna.personal@demo.brobygger.se"))
    assert anna.organisation.name == "Örebro kommun" and anna.job_function.code == "teacher" and not anna.roles


def test_demo_activities_and_events(db, demo):
    prog, _ = demo
    acts = db.session.scalars(select(Activity).where(Activity.programme_id == prog.id)).all()
    kinds = Counter(a.kind for a in acts)
    assert kinds["seminar"] == 20 and kinds["network"] == 3
    workshops = [a for a in acts if a.kind == "workshop"]
    assert len([a for a in workshops if not a.title.startswith("Lokalt utvecklingsarbete")]) == 30
    assert len(workshops) == 47
    assert any(a.settings.get("method") == "future_workshop" for a in workshops)
    seminars = [a for a in acts if a.kind == "seminar"]
    assert {a.theme_id for a in seminars} == {t.id for t in prog.themes}
    assert any({e.place for e in a.events} == {"Uppsala", "Örebro", "Nyköping"} for a in seminars)
    assert any(e.online_url for a in seminars for e in a.events)
    for a in seminars:
        for e in a.events:
            assert 40 <= e.capacity <= 120 and len(e.sessions) == 1
            assert e.sessions[0].hours == 3
    for a in workshops:
        assert all(12 <= e.capacity <= 20 and 1 <= len(e.sessions) <= 3 for e in a.events)
    for a in (a for a in acts if a.kind == "network"):
        assert len(a.events) == 1 and len(a.events[0].sessions) >= 4
        assert a.settings["min_meetings"] >= 2


def test_demo_track_cohorts(db, demo):
    prog, _ = demo
    track = db.session.scalar(select(Activity).where(Activity.programme_id == prog.id, Activity.title == "Handledare steg 3"))
    assert track.kind == "track"
    assert track.settings == {"days": 5, "blocks": [2, 2, 1], "min_ratio": 1.0}
    assert [p.title for p in track.prerequisites] == ["Handledare steg 1-2"]
    assert len(track.events) == 3
    for cohort in track.events:
        assert cohort.capacity == 20
        days = [s.starts_at.date() for s in cohort.sessions]
        assert len(days) == 5
        gaps = [(b - a).days for a, b in zip(days, days[1:])]
        assert gaps[0] == 1 and gaps[2] == 1  # two consecutive days, twice
        assert gaps[1] >= 7 and gaps[3] >= 7  # weeks between the blocks
        assert all(d.weekday() < 5 for d in days)


def test_demo_participation_consistent(db, demo):
    prog, _ = demo
    events = db.session.scalars(select(Event).join(Activity).where(Activity.programme_id == prog.id)).all()
    enrolled = dict(db.session.execute(
        select(Enrollment.event_id, func.count()).where(Enrollment.status == "enrolled").group_by(Enrollment.event_id)).all())
    for e in events:
        assert e.seats_taken == enrolled.get(e.id, 0) <= e.capacity
    statuses = Counter(e.status for e in events)
    assert statuses["finalized"] > 20 and statuses["open"] > 20
    now = datetime.now(timezone.utc)
    for e in events:
        if e.status == "finalized":
            assert e.sessions[-1].ends_at < now
        else:
            assert e.sessions[-1].ends_at > now
            assert e.enrol_opens_at < e.enrol_closes_at
    # Snapshots match the person; marks only on sessions of the enrollment's event.
    mismatched = db.session.scalar(select(func.count()).select_from(Enrollment).join(Person, Person.id == Enrollment.person_id).where(
        (Enrollment.organisation_id != Person.organisation_id) | (Enrollment.job_function_id != Person.job_function_id)))
    assert mismatched == 0
    marks = db.session.scalar(select(func.count()).select_from(Attendance).join(Enrollment).join(Session, Session.id == Attendance.session_id)
                              .where(Session.event_id != Enrollment.event_id))
    assert marks == 0
    # Attendance only for sessions that have taken place.
    assert count(db, select(Attendance.id)) > 1000
    assert count(db, select(Attendance.id).join(Session, Session.id == Attendance.session_id).where(Session.ends_at > now)) == 0
    # Every enrollment of a finalized event is decided exactly once.
    finalized = select(Enrollment.id).join(Event).where(Event.status == "finalized")
    decided = count(db, select(Completion.enrollment_id).where(Completion.enrollment_id.in_(finalized))) + count(
        db, select(NonCompletion.enrollment_id).where(NonCompletion.enrollment_id.in_(finalized)))
    assert decided == count(db, finalized) > 500


def test_demo_goal_figures_are_meaningful(db, demo):
    prog, _ = demo
    goals = {g.key: g for g in prog.goals}

    def attendees(goal):
        q = (select(func.count(func.distinct(Enrollment.person_id))).join(Attendance, Attendance.enrollment_id == Enrollment.id)
             .join(Event, Event.id == Enrollment.event_id)
             .where(Event.activity_id.in_([a.id for a in goal.activities]), Attendance.status.in_(["present", "late"])))
        if goal.functions:
            q = q.where(Enrollment.job_function_id.in_([f.id for f in goal.functions]))
        return db.session.scalar(q)

    assert attendees(goals["G1"]) >= 150
    assert attendees(goals["G2"]) >= 30
    assert attendees(goals["G3"]) >= 30
    assert attendees(goals["G4"]) >= 60
    assert all(g.outcomes for g in prog.goals if g.unit == "organisations")


def test_demo_load_twice_adds_nothing(db, demo):
    from demo.load import load_demo

    tables = (Organisation, JobFunction, Person, Programme, Goal, Activity, Event, Session, Enrollment, Attendance,
              Completion, RoleGrant)
    before = {t.__name__: db.session.scalar(select(func.count()).select_from(t)) for t in tables}
    result = load_demo()  # nobody is added, so no password is hashed
    after = {t.__name__: db.session.scalar(select(func.count()).select_from(t)) for t in tables}
    assert result["created"] == {}
    assert after == before
