"""The participation ledger: after any sequence of what the app lets people do, it equals
a from-scratch computation, and goal progress (which reads it) equals the plain Python
reference of API.md's counting rules (tests/goals/test_progress.py)."""
import os
from datetime import timedelta
from types import SimpleNamespace

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select, text

from tests.goals.test_progress import reference, reference_targets

# LEDGER_NO_SHRINK=1: report a failure at once (shrinking a long sequence takes minutes).
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] + ([] if os.environ.get("LEDGER_NO_SHRINK") else [Phase.shrink])
STATUSES = ["present", "late", "absent", "excused"]


def _count(values):
    out = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def _source_rows(db, programme):
    """Enrollments, marks and completions of ``programme`` as the reference takes them."""
    from lms.attendance.models import Attendance
    from lms.catalog.models import Activity, Event, Session
    from lms.completion.models import Completion
    from lms.enrollment.models import Enrollment

    rows = [
        (eid, SimpleNamespace(id=person_id, gender=gender), fn, org, activity_id, created)
        for eid, person_id, gender, fn, org, activity_id, created in db.session.execute(
            select(Enrollment.id, Enrollment.person_id, Enrollment.gender, Enrollment.job_function_id,
                   Enrollment.organisation_id, Event.activity_id, Enrollment.created_at)
            .join(Event, Event.id == Enrollment.event_id).join(Activity, Activity.id == Event.activity_id)
            .where(Activity.programme_id == programme.id))
    ]
    ids = [r[0] for r in rows] or [-1]
    marks = {}
    for eid, status, starts_at in db.session.execute(
            select(Attendance.enrollment_id, Attendance.status, Session.starts_at)
            .join(Session, Session.id == Attendance.session_id).where(Attendance.enrollment_id.in_(ids))):
        marks.setdefault(eid, []).append((status, starts_at))
    completions = dict(db.session.execute(
        select(Completion.enrollment_id, Completion.completed_on).where(Completion.enrollment_id.in_(ids))).all())
    return rows, marks, completions


def _run_machine(app, db, make, examples, steps):
    from lms.attendance.marking import mark
    from lms.completion.models import Completion
    from lms.completion.operations import finalize, reopen
    from lms.enrollment.models import Enrollment
    from lms.enrollment.operations import cancel, delete_event, enrol, move
    from lms.errors import Conflict, ValidationError
    from lms.goals import ledger
    from lms.goals.operations import progress
    from lms.people.operations import save_person
    from lms.programmes.models import TargetGroup
    from lms.programmes.operations import save_goal
    from lms.types import utcnow

    refused = (Conflict, ValidationError)

    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.savepoint = db.session.begin_nested()
            self.programme = make.programme()
            self.fns = [make.function() for _ in range(3)]
            for fn in self.fns:
                db.session.add(TargetGroup(programme=self.programme, job_function=fn, planned=3))
            self.orgs = [make.organisation() for _ in range(3)]
            self.admin = make.person(role="admin")
            self.people = [make.person(function=self.fns[i % 3], organisation=self.orgs[i % 3],
                                       gender=["female", "male", "non_binary", "unspecified"][i]) for i in range(4)]
            self.acts = [make.activity(self.programme, kind="seminar"), make.activity(self.programme, kind="track")]
            # Past events (so they can be finalized), three daily sessions each: a period
            # can fall between someone's first and last attended session.
            base = utcnow().replace(microsecond=0) - timedelta(days=60)
            self.base = base
            self.events = [make.event(a, sessions=3, capacity=50, start=base + timedelta(days=10 * k))
                           for k, a in enumerate(a for a in self.acts for _ in range(2))]
            self.spare = [make.event(self.acts[0], sessions=1, start=base + timedelta(days=40))]
            self.attended_goal = save_goal(self.programme, {"title": "Attended", "unit": "persons", "target": 4,
                                                            "basis": "attended"})
            self.completed_goal = save_goal(self.programme, {
                "title": "Completed", "unit": "persons", "target": 4, "basis": "completed",
                "function_codes": [self.fns[0].code, self.fns[1].code], "activity_ids": [self.acts[1].id]})
            db.session.flush()

        def teardown(self):
            self.savepoint.rollback()
            db.session.expunge_all()

        def _enrollments(self):
            return db.session.scalars(select(Enrollment).where(Enrollment.event_id.in_([e.id for e in self.events]))
                                      .order_by(Enrollment.id)).all()

        def _pick(self, i):
            enrollments = self._enrollments()
            return enrollments[i % len(enrollments)] if enrollments else None

        @initialize(taking_part=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 2),
                                                    st.sampled_from(STATUSES)), min_size=2, max_size=8))
        def start(self, taking_part):
            """Some people enrolled, with marks on their event's sessions."""
            for p, e, s, status in taking_part:
                self.enrol(p, e)
                enrollment = self._active(self.people[p], self.events[e])
                if enrollment is not None and enrollment.status == "enrolled":
                    mark(self.events[e].sessions[s], enrollment, status, by=self.admin)

        def _active(self, person, event):
            return db.session.scalar(select(Enrollment).where(Enrollment.person_id == person.id,
                                                              Enrollment.event_id == event.id,
                                                              Enrollment.status == "enrolled"))

        @rule(p=st.integers(0, 3), e=st.integers(0, 3))
        def enrol(self, p, e):
            try:
                enrol(self.people[p], self.events[e % len(self.events)], by=self.admin, check_window=False)
            except refused:
                pass

        @rule(i=st.integers(0, 30))
        def cancel(self, i):
            enrollment = self._pick(i)
            if enrollment is not None:
                try:
                    cancel(enrollment, self.admin)
                except refused:
                    pass

        @rule(i=st.integers(0, 30))
        def move(self, i):
            enrollment = self._pick(i)
            if enrollment is None:
                return
            target = next((e for e in self.events if e.activity_id == enrollment.event.activity_id
                           and e.id != enrollment.event_id), None)
            try:
                if target is not None and enrollment.status in ("enrolled", "waitlisted", "pending_approval"):
                    move(enrollment, target, self.admin)
            except refused:
                pass

        @rule(i=st.integers(0, 30), s=st.integers(0, 5), status=st.sampled_from(STATUSES))
        def mark(self, i, s, status):
            """A mark, new or changed; for a track also a make-up day in the other cohort."""
            enrollment = self._pick(i)
            if enrollment is None:
                return
            sessions = [x for e in self.events if e.activity_id == enrollment.event.activity_id for x in e.sessions]
            try:
                mark(sessions[s % len(sessions)], enrollment, status, by=self.admin)
            except refused:
                pass

        @rule(e=st.integers(0, 3))
        def finalize(self, e):
            try:
                finalize(self.events[e % len(self.events)], by=self.admin)
            except refused:
                pass

        @rule(e=st.integers(0, 3))
        def reopen(self, e):
            try:
                reopen(self.events[e % len(self.events)], by=self.admin, reason="Correction")
            except refused:
                pass

        @rule(i=st.integers(0, 30))
        def withdraw(self, i):
            """Someone's completion is withdrawn: reopen, mark them absent, finalize again."""
            completed = db.session.scalars(select(Enrollment).join(Completion, Completion.enrollment_id == Enrollment.id)
                                           .where(Enrollment.event_id.in_([e.id for e in self.events]))
                                           .order_by(Enrollment.id)).all()
            if not completed:
                return
            enrollment = completed[i % len(completed)]
            event = enrollment.event
            if event.status == "finalized":
                reopen(event, by=self.admin, reason="Withdraw")
            for session in event.sessions:
                try:
                    mark(session, enrollment, "absent", by=self.admin)
                except refused:
                    pass
            finalize(event, by=self.admin)
            assert db.session.scalar(select(Completion).where(Completion.enrollment_id == enrollment.id)) is None

        @rule(p=st.integers(0, 3), o=st.integers(0, 2))
        def change_organisation(self, p, o):
            save_person({"organisation_id": self.orgs[o].id}, self.people[p], by=self.admin)
            db.session.flush()

        @rule(p=st.integers(0, 3), f=st.integers(0, 2))
        def change_function(self, p, f):
            save_person({"function_code": self.fns[f].code}, self.people[p], by=self.admin)
            db.session.flush()

        @rule(e=st.integers(0, 4), days=st.integers(-3, 3))
        def reschedule(self, e, days):
            """An event's first session moves (its marks' dates move with it)."""
            events = self.events + self.spare
            session = events[e % len(events)].sessions[0]
            session.starts_at += timedelta(days=days)
            session.ends_at += timedelta(days=days)
            db.session.flush()

        @rule(e=st.integers(0, 3))
        def drop_session(self, e):
            """An event's sessions are edited and one is left out: it goes, with its marks."""
            from lms.catalog.operations import apply_event

            event = self.events[e % len(self.events)]
            if len(event.sessions) > 1:
                kept = [{"id": x.id, "starts_at": x.starts_at, "ends_at": x.ends_at, "place": x.place}
                        for x in event.sessions[1:]]
                apply_event(event.activity, {"sessions": kept}, event)

        @rule(e=st.integers(0, 4))
        def delete_event(self, e):
            """Delete an event: the app allows it only when nobody ever enrolled."""
            events = self.events + self.spare
            event = events[e % len(events)]
            if event in self.events and len(self.events) <= 2:
                return  # keep an event of each activity to act on
            enrolled = db.session.scalar(select(Enrollment.id).where(Enrollment.event_id == event.id).limit(1))
            try:
                delete_event(event)
            except Conflict:
                assert enrolled is not None
                return
            assert enrolled is None
            (self.spare if event in self.spare else self.events).remove(event)

        @invariant()
        def ledger_is_right(self):
            db.session.flush()
            assert ledger.differences(self.programme.id) == []
            rows, marks, completions = _source_rows(db, self.programme)
            kinds = {a.id: a.kind for a in self.acts}
            period = {"start": self.base + timedelta(hours=12), "end": self.base + timedelta(days=1, hours=12)}
            for scope, filters in ((None, {}), (None, period), ({self.orgs[0].id}, {"kind": "track"}),
                                   (None, {"start": self.base + timedelta(days=11)})):
                document = progress(self.programme, scope, filters)
                for goal in (self.attended_goal, self.completed_goal):
                    spec = SimpleNamespace(activities=goal.activities, programme_activities=self.acts,
                                           functions=goal.functions, basis=goal.basis)
                    expected = reference(spec, rows, marks, completions, scope, filters, kinds)
                    result = next(g for g in document["goals"] if g["goal_id"] == goal.id)
                    assert result["achieved"] == len(expected), (goal.title, scope, filters)
                    codes = {f.id: f.code for f in self.fns}
                    assert result["by_function"] == _count(codes[fn] for fn, _, _ in expected.values())
                    assert result["by_organisation"] == _count(str(org) for _, org, _ in expected.values())
                    assert result["by_gender"] == _count(g for _, _, g in expected.values())
                actual = reference_targets(rows, marks, scope, filters, kinds)
                assert {t["function_code"]: t["actual"] for t in document["targets"]} == {
                    f.code: actual.get(f.id, 0) for f in self.fns}

    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None, phases=PHASES,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))


def test_ledger_state_machine(app, db, make):
    _run_machine(app, db, make, examples=25, steps=30)


def test_rebuild_command_restores_the_ledger(app, db, make):
    """`flask --app lms ledger rebuild --programme ID` recomputes a programme's rows."""
    from lms.attendance.models import Attendance
    from lms.enrollment.models import Enrollment
    from lms.goals import ledger
    from lms.goals.models import Participation

    programme = make.programme()
    event = make.event(make.activity(programme), sessions=2)
    person = make.person()
    enrollment = Enrollment(event=event, person=person, status="enrolled", organisation_id=person.organisation_id,
                            job_function_id=person.job_function_id)
    db.session.add(enrollment)
    db.session.flush()
    db.session.add(Attendance(enrollment=enrollment, session=event.sessions[1], status="late"))
    db.session.flush()
    row = db.session.get(Participation, enrollment.id)
    assert (row.first_attended_at, row.marks, row.attended_marks) == (event.sessions[1].starts_at, 1, 1)
    # Hand-written SQL bypasses the ORM: the ledger is now wrong, and rebuild repairs it.
    db.session.execute(text("UPDATE participation SET marks = 7 WHERE enrollment_id = :id"), {"id": enrollment.id})
    assert len(ledger.differences(programme.id)) == 1
    result = app.test_cli_runner().invoke(args=["ledger", "rebuild", "--programme", str(programme.id)])
    assert result.exit_code == 0, result.output
    assert "1 rows" in result.output
    db.session.expire_all()
    assert ledger.differences(programme.id) == []
    assert db.session.get(Participation, enrollment.id).marks == 1
    result = app.test_cli_runner().invoke(args=["ledger", "rebuild", "--programme", "999999"])
    assert result.exit_code != 0 and "No programme 999999" in result.output
