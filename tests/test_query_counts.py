"""Query counts of the busiest pages do not grow with their rows (no N+1).

Each test builds the same shape of data twice, small (3 rows) and large (12 rows), and
asserts that the page or API answer costs the same number of SQL statements for both,
and no more than a fixed cap. The session is emptied before each request so the
request loads everything itself, as it would in production.
"""
from datetime import date, datetime, timedelta, timezone

SMALL, LARGE = 3, 12


def _fetch(db, count_queries, client, url):
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as q:
        r = client.get(url)
    assert r.status_code == 200, r.status_code
    return q, r


def _same_and_capped(small, large, cap):
    assert small.count == large.count, f"small:\n{small}\n\nlarge:\n{large}"
    assert large.count <= cap, str(large)


def _past(days):
    return datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=days)


# --- the trainer's attendance roster ---------------------------------------------------

def _attendance_roster(make, enrol, db, n):
    """A track cohort with ``n`` enrolled (each in their own organisation and job function),
    marks with notes on the first day, and ``n`` make-up guests from another cohort: half
    marked on this day, half still candidates for a make-up mark."""
    from lms.attendance.models import Attendance

    trainer = make.person(role="trainer")
    activity = make.activity(kind="track", title=f"Track {n}")
    event = make.event(activity, sessions=5, start=_past(10))
    other = make.event(activity, sessions=5, start=_past(40))
    event.trainers.append(trainer)
    first = event.sessions[0]
    for i in range(n):
        e = enrol(make.person(), event)
        db.session.add(Attendance(enrollment_id=e.id, session_id=first.id, status="present" if i % 2 else "late",
                                  minutes=120, note=f"Note {i}"))
        guest = enrol(make.person(), other)
        if i % 2:
            db.session.add(Attendance(enrollment_id=guest.id, session_id=first.id, status="present"))
    db.session.flush()
    return trainer, first


def test_attendance_roster_queries(db, make, enrol, login, client, count_queries):
    counts = []
    for n in (SMALL, LARGE):
        trainer, session = _attendance_roster(make, enrol, db, n)
        login(trainer)
        q, r = _fetch(db, count_queries, client, f"/sessions/{session.id}/attendance")
        page = r.get_data(as_text=True)
        assert page.count('class="roster-row') == n + n // 2 and page.count("Note: Note ") == n
        assert page.count(f"Make-up from Track {n}<") == n // 2  # the guests, marked
        assert page.count(f" (Track {n})</option>") == n - n // 2  # the guests still to mark
        counts.append(q)
    _same_and_capped(*counts, cap=12)


# --- the event's roster and the enrolment list API ----------------------------------------

def _event_with_enrollments(make, enrol, db, n):
    """An event with ``n`` enrolled, ``n`` on the waiting list (in sign-up order) and
    ``n`` waiting for approval, each person in their own organisation and job function."""
    from lms.enrollment.operations import _waitlist_seq

    trainer = make.person(role="trainer")
    activity = make.activity(kind="seminar")
    event = make.event(activity, capacity=n)
    make.event(activity)  # another event to move people to
    event.trainers.append(trainer)
    waiting = []
    for _ in range(n):
        enrol(make.person(), event)
        w = enrol(make.person(), event, status="waitlisted")
        w.waitlist_seq = _waitlist_seq()
        waiting.append(w)
        enrol(make.person(), event, status="pending_approval")
    event.seats_taken = n
    db.session.flush()
    return trainer, event, waiting


def test_event_roster_queries(db, make, enrol, login, client, count_queries):
    counts = []
    for n in (SMALL, LARGE):
        trainer, event, _waiting = _event_with_enrollments(make, enrol, db, n)
        login(trainer)
        q, r = _fetch(db, count_queries, client, f"/events/{event.id}/roster")
        assert r.get_data(as_text=True).count('<th scope="row">') == 3 * n
        counts.append(q)
    _same_and_capped(*counts, cap=12)


def test_event_roster_queries_for_coordinator(db, make, enrol, login, client, count_queries):
    """The coordinator also gets a move and a cancel form per row, and the person picker:
    ``n`` matches, each from an organisation outside the programme."""
    counts = []
    for n in (SMALL, LARGE):
        _trainer, event, _waiting = _event_with_enrollments(make, enrol, db, n)
        event.activity.programme.organisations.append(make.organisation())
        for i in range(n):
            make.person(name=f"Candidate {n}-{i}")
        login(make.person(role="coordinator"))
        q, r = _fetch(db, count_queries, client, f"/events/{event.id}/roster?q=Candidate+{n}-")
        page = r.get_data(as_text=True)
        assert page.count('class="button small">Move</button>') == 3 * n
        assert page.count('type="radio"') == n and page.count("is not part of this programme") == n
        counts.append(q)
    _same_and_capped(*counts, cap=15)


def test_enrollment_list_api_queries(db, make, enrol, api, count_queries):
    counts = []
    for n in (SMALL, LARGE):
        trainer, event, waiting = _event_with_enrollments(make, enrol, db, n)
        client = api(trainer)
        url = f"/api/v1/events/{event.id}/enrollments?per_page=100"
        expected = {w.id: place for place, w in enumerate(waiting, start=1)}
        db.session.commit()
        db.session.expunge_all()
        with count_queries() as q:
            r = client.get(url)
        assert r.status_code == 200
        positions = {i["id"]: i["waitlist_position"] for i in r.get_json()["items"] if i["status"] == "waitlisted"}
        assert positions == expected
        counts.append(q)
    _same_and_capped(*counts, cap=9)


# --- My learning -----------------------------------------------------------------------

def _learner(make, enrol, db, n):
    """A person with ``n`` upcoming enrolments (each a different activity with two
    sessions), ``n`` waiting-list places, ``n`` past ones (finalized with a completion)
    and ``n`` cancelled."""
    from lms.completion.models import Completion
    from lms.enrollment.operations import _waitlist_seq

    person = make.person()
    for _ in range(n):
        enrol(person, make.event(sessions=2))
        full = make.event(capacity=1)
        enrol(make.person(), full, status="waitlisted").waitlist_seq = _waitlist_seq()
        enrol(person, full, status="waitlisted").waitlist_seq = _waitlist_seq()
        past = enrol(person, make.event(sessions=2, start=_past(30), status="finalized"))
        db.session.add(Completion(enrollment_id=past.id, completed_on=date.today(), hours=6, minutes=360))
        enrol(person, make.event(), status="cancelled").reason = "Changed plans"
    db.session.flush()
    return person


def test_my_learning_queries(db, make, enrol, login, client, count_queries):
    counts = []
    for n in (SMALL, LARGE):
        person = _learner(make, enrol, db, n)
        login(person)
        q, r = _fetch(db, count_queries, client, "/me/learning")
        page = r.get_data(as_text=True)
        assert page.count("(place 2)") == n and page.count(">Completed</strong>") == n
        counts.append(q)
    _same_and_capped(*counts, cap=12)


# --- the manager's dashboard -----------------------------------------------------------

def _manager_with_staff(make, enrol, db, n):
    """A manager of an organisation with ``n`` staff, each enrolled in an event of a
    programme the organisation takes part in (two goals), marked and completed."""
    from lms.attendance.models import Attendance
    from lms.completion.models import Completion
    from lms.programmes.operations import save_goal

    org = make.organisation()
    manager = make.person(role="manager", organisation=org)
    programme = make.programme()
    programme.organisations.append(org)
    save_goal(programme, {"title": "People", "unit": "persons", "target": 10, "basis": "attended"})
    save_goal(programme, {"title": "Organisations", "unit": "organisations", "target": 2})
    for _ in range(n):
        event = make.event(make.activity(programme), start=_past(20), status="finalized")
        e = enrol(make.person(organisation=org), event)
        db.session.add(Attendance(enrollment_id=e.id, session_id=event.sessions[0].id, status="present", minutes=180))
        db.session.add(Completion(enrollment_id=e.id, completed_on=date.today(), hours=3, minutes=180))
    db.session.flush()
    return manager


def test_manager_dashboard_queries(db, make, enrol, login, client, count_queries):
    counts = []
    for n in (SMALL, LARGE):
        manager = _manager_with_staff(make, enrol, db, n)
        login(manager)
        q, r = _fetch(db, count_queries, client, "/manager")
        page = r.get_data(as_text=True)
        # the staff (and the manager), the recent completions and the menu's "My transcript"
        assert page.count("/transcript") == (n + 1) + n + 1
        counts.append(q)
    _same_and_capped(*counts, cap=24)


# --- the programme dashboard -----------------------------------------------------------

def _programme(make, enrol, db, n):
    """A programme with ``n`` job-function targets, ``n`` themes, ``n`` network cycles
    (each short of its cadence), ``n`` seminars with a marked participant each."""
    from lms.attendance.models import Attendance
    from lms.programmes.models import TargetGroup
    from lms.programmes.models import Theme
    from lms.programmes.operations import save_goal

    programme = make.programme(starts_on=date.today() - timedelta(days=365), ends_on=date.today() + timedelta(days=365))
    save_goal(programme, {"title": "People", "unit": "persons", "target": 10, "basis": "attended"})
    for i in range(n):
        person = make.person()
        programme.organisations.append(person.organisation)
        db.session.add(TargetGroup(programme=programme, job_function_id=person.job_function_id, planned=5))
        db.session.add(Theme(programme=programme, name=f"Theme {i}", position=i))
        make.event(make.activity(programme, kind="network", settings={"min_meetings": 1, "cadence_per_year": 6}), sessions=2)
        event = make.event(make.activity(programme), start=_past(20))
        e = enrol(person, event)
        db.session.add(Attendance(enrollment_id=e.id, session_id=event.sessions[0].id, status="present"))
    db.session.flush()
    return programme


def test_programme_dashboard_queries(db, make, enrol, login, client, count_queries):
    counts = []
    for n in (SMALL, LARGE):
        programme = _programme(make, enrol, db, n)
        login(make.person(role="coordinator"))
        q, r = _fetch(db, count_queries, client, f"/programmes/{programme.id}/dashboard")
        page = r.get_data(as_text=True)
        assert page.count('role="alert"') == n  # every network cycle short of its cadence
        counts.append(q)
    _same_and_capped(*counts, cap=22)


# --- the event page's enrolment panel ---------------------------------------------------

def test_event_page_panel_queries(db, make, login, client, count_queries, request_context):
    """The enrolment panel shows the person's waiting-list place; the page costs the
    same with 3 or 12 people ahead of them."""
    from lms.enrollment.operations import enrol

    counts = []
    for n in (SMALL, LARGE):
        event = make.event(capacity=1)
        for _ in range(n + 1):  # one enrolled, n waiting
            enrol(make.person(), event)
        me = make.person()
        assert enrol(me, event).status == "waitlisted"
        login(me)
        q, r = _fetch(db, count_queries, client, f"/events/{event.id}")
        page = r.get_data(as_text=True)
        assert f"place {n + 1} on the waiting list" in page
        counts.append(q)
    _same_and_capped(*counts, cap=14)


def test_templates_have_no_query_helpers(app):
    """The panel's enrolment, place, rejection and closed reason are read by the view
    (enrollment.operations.enrol_panel); templates get no globals that query."""
    assert not {"enrollment_of", "enrollment_rejected", "enrolment_closed_reason", "waitlist_position"} & set(app.jinja_env.globals)
