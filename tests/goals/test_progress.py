"""Goal progress: SQL counts against a plain Python reference of API.md's counting rules."""
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.goals.operations import progress

BASE = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)


ATTENDED = ("present", "late")


def _in_period(moment, filters):
    return (not filters.get("start") or moment >= filters["start"]) and (not filters.get("end") or moment <= filters["end"])


def _qualifies(basis, eid, marks, completions, filters):
    """The counting rule for one enrollment, in plain Python."""
    if basis == "completed":
        day = completions.get(eid)
        return day is not None and (not filters.get("start") or day >= filters["start"].date()) and (
            not filters.get("end") or day <= filters["end"].date())
    return any(status in ATTENDED and _in_period(starts_at, filters) for status, starts_at in marks.get(eid, []))


def reference(goal, enrollments, marks, completions, organisation_ids=None, filters=None, kinds=None):
    """enrollments: [(id, person, function_id, organisation_id, activity_id, created)], in Python.
    Returns {person_id: (function_id, organisation_id, gender)} at the first counted enrollment."""
    filters = filters or {}
    activities = {a.id for a in goal.activities} or {a.id for a in goal.programme_activities}
    if filters.get("kind"):
        activities = {a for a in activities if kinds[a] == filters["kind"]}
    functions = {f.id for f in goal.functions}
    counted = {}
    for eid, person, fn, org, activity, created in sorted(enrollments, key=lambda e: (e[5], e[0])):
        if activity not in activities or (functions and fn not in functions):
            continue
        if organisation_ids is not None and org not in organisation_ids:
            continue
        if _qualifies(goal.basis, eid, marks, completions, filters) and person.id not in counted:
            counted[person.id] = (fn, org, person.gender)
    return counted


def reference_targets(enrollments, marks, organisation_ids=None, filters=None, kinds=None):
    """{function_id: distinct persons of that function at enrolment who attended}."""
    filters = filters or {}
    seen = set()
    for eid, person, fn, org, activity, _created in enrollments:
        if filters.get("kind") and kinds[activity] != filters["kind"]:
            continue
        if organisation_ids is not None and org not in organisation_ids:
            continue
        if _qualifies("attended", eid, marks, {}, filters):
            seen.add((fn, person.id))
    out = {}
    for fn, _person in seen:
        out[fn] = out.get(fn, 0) + 1
    return out


def _world(make, db, data):
    from lms.programmes.models import TargetGroup

    programme = make.programme()
    fns = [make.function(f"g{i}_{make._next()}") for i in range(3)]
    for fn in fns:
        db.session.add(TargetGroup(programme=programme, job_function=fn, planned=5))
    orgs = [make.organisation() for _ in range(3)]
    people = [make.person(function=data.draw(st.sampled_from(fns)), organisation=data.draw(st.sampled_from(orgs)),
                          gender=data.draw(st.sampled_from(["female", "male", "non_binary", "unspecified"])))
              for _ in range(data.draw(st.integers(1, 6)))]
    acts = [make.activity(programme, kind=k) for k in ("seminar", "workshop", "network", "track")]
    # Events a month apart, so a period filter can cut between them.
    events = [make.event(a, sessions=2, capacity=50, start=BASE + timedelta(days=30 * i)) for i, a in enumerate(acts)]
    from lms.attendance.models import Attendance
    from lms.completion.models import Completion
    from lms.enrollment.models import Enrollment

    rows, marks, completions, taken = [], {}, {}, set()
    for n in range(data.draw(st.integers(0, 14))):
        person = data.draw(st.sampled_from(people))
        event = data.draw(st.sampled_from(events))
        if (person.id, event.id) in taken:  # one active enrollment per person and event
            continue
        taken.add((person.id, event.id))
        # The snapshot may differ from the person's current function and organisation.
        fn = data.draw(st.sampled_from(fns))
        org = data.draw(st.sampled_from(orgs))
        status = data.draw(st.sampled_from(["enrolled", "enrolled", "cancelled"]))
        e = Enrollment(event=event, person=person, status=status, job_function_id=fn.id, organisation_id=org.id,
                       created_at=BASE + timedelta(hours=data.draw(st.integers(0, 20))))
        db.session.add(e)
        db.session.flush()
        statuses = []
        for session in event.sessions:
            mark = data.draw(st.sampled_from([None, "present", "late", "absent", "excused"]))
            if mark:
                db.session.add(Attendance(enrollment=e, session=session, status=mark))
                statuses.append((mark, session.starts_at))
        if data.draw(st.booleans()):
            day = BASE.date() + timedelta(days=data.draw(st.integers(0, 120)))
            db.session.add(Completion(enrollment=e, completed_on=day, hours=1))
            completions[e.id] = day
        marks[e.id] = statuses
        rows.append((e.id, person, fn.id, org.id, event.activity_id, e.created_at))
    db.session.flush()
    return programme, fns, orgs, acts, rows, marks, completions


def _filters(data):
    filters = {}
    kind = data.draw(st.sampled_from([None, "seminar", "workshop", "network", "track"]))
    if kind:
        filters["kind"] = kind
    if data.draw(st.booleans()):
        first = data.draw(st.integers(0, 100))
        filters["start"] = BASE + timedelta(days=first)
        filters["end"] = BASE + timedelta(days=first + data.draw(st.integers(0, 60)))
    return filters


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_sql_counts_match_the_reference(make, db, data):
    from lms.programmes.operations import save_goal

    nested = db.session.begin_nested()
    try:
        programme, fns, orgs, acts, rows, marks, completions = _world(make, db, data)
        kinds = {a.id: a.kind for a in acts}
        basis = data.draw(st.sampled_from(["attended", "completed"]))
        linked = data.draw(st.lists(st.sampled_from(acts), unique=True, max_size=3))
        counted_fns = data.draw(st.lists(st.sampled_from(fns), unique=True, max_size=2))
        goal = save_goal(programme, {"title": "G", "unit": "persons", "target": 10, "basis": basis,
                                     "function_codes": [f.code for f in counted_fns], "activity_ids": [a.id for a in linked]})
        goal.programme_activities = acts
        limit = data.draw(st.one_of(st.none(), st.sets(st.sampled_from([o.id for o in orgs]))))
        filters = _filters(data)
        expected = reference(goal, rows, marks, completions, limit, filters, kinds)
        document = progress(programme, limit, filters)
        result = next(g for g in document["goals"] if g["goal_id"] == goal.id)
        assert result["achieved"] == len(expected)
        for key in ("by_function", "by_organisation", "by_gender"):
            assert sum(result[key].values()) == result["achieved"]
        assert result["by_organisation"] == _count(str(org) for _, org, _ in expected.values())
        assert result["by_gender"] == _count(g for _, _, g in expected.values())
        codes = {f.id: f.code for f in fns}
        assert result["by_function"] == _count(codes[fn] for fn, _, _ in expected.values())
        actual = reference_targets(rows, marks, limit, filters, kinds)
        assert {t["function_code"]: t["actual"] for t in document["targets"]} == {
            f.code: actual.get(f.id, 0) for f in fns}
        assert all(t["planned"] == 5 for t in document["targets"])
    finally:
        nested.rollback()
        db.session.expunge_all()  # rows of this example are gone; so must their objects be (ids are reused)


def _count(values):
    out = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def test_progress_api_access_and_manager_limit(api, make, db):
    from lms.attendance.models import Attendance
    from lms.enrollment.models import Enrollment
    from lms.programmes.operations import save_goal

    programme = make.programme()
    mine, other = make.organisation(), make.organisation()
    activity = make.activity(programme)
    event = make.event(activity)
    for org in (mine, other):
        person = make.person(organisation=org)
        e = Enrollment(event=event, person=person, status="enrolled", organisation_id=org.id, job_function_id=person.job_function_id)
        db.session.add(e)
        db.session.flush()
        db.session.add(Attendance(enrollment=e, session=event.sessions[0], status="present"))
    save_goal(programme, {"title": "All", "unit": "persons", "target": 4, "basis": "attended"})
    coordinator = api(make.person(role="coordinator"))
    body = coordinator.get(f"/api/v1/programmes/{programme.id}/progress").get_json()
    assert body["goals"][0]["achieved"] == 2 and body["goals"][0]["ratio"] == 0.5
    manager = api(make.person(role="manager", organisation=mine))
    body = manager.get(f"/api/v1/programmes/{programme.id}/progress").get_json()
    assert body["goals"][0]["achieved"] == 1 and body["goals"][0]["by_organisation"] == {str(mine.id): 1}
    assert api(make.person()).get(f"/api/v1/programmes/{programme.id}/progress").status_code == 403
