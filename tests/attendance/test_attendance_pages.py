"""My events, network cadence, workshop action plans."""
from datetime import date, datetime, timedelta, timezone

from lms.attendance.cadence import cadence_warning
from lms.catalog.models import Session


def test_my_events_lists_today_first(db, make, trained, login, clock):
    trainer = make.person(role="trainer", name="Tina Trainer")
    now = clock.now  # 10:00 in Stockholm: "today" is the same day in UTC and locally
    later_activity = make.activity(kind="seminar", title="Later seminar")
    today_activity = make.activity(kind="seminar", title="Today seminar")
    tomorrow_activity = make.activity(kind="seminar", title="Tomorrow seminar")
    past_activity = make.activity(kind="seminar", title="Past seminar")
    later = make.event(later_activity, start=now + timedelta(days=20))
    today = make.event(today_activity, start=now + timedelta(hours=4), hours=1)
    tomorrow = make.event(tomorrow_activity, start=now + timedelta(days=1), hours=1)
    past = make.event(past_activity, start=now - timedelta(days=20))
    for e in (later, today, tomorrow, past):
        e.trainers.append(trainer)
    db.session.flush()
    html = login(trainer).get("/me/events").get_data(as_text=True)
    today_section = html.split("<h2>")[1]
    assert "Today seminar" in today_section and f"/sessions/{today.sessions[0].id}/attendance" in today_section
    assert "Tomorrow seminar" not in today_section
    events_section = html.split("<h2>")[2]
    assert events_section.index("Today seminar") < events_section.index("Later seminar")
    assert "Past seminar" not in events_section
    assert "Past seminar" in login(trainer).get("/me/events?when=past").get_data(as_text=True)
    staff = make.person()
    assert "not a trainer" in login(staff).get("/me/events").get_data(as_text=True)


def _network(make, per_year, meetings, programme=None, spread_days=365):
    activity = make.activity(programme or make.programme(), kind="network", settings={"min_meetings": 1, "cadence_per_year": per_year})
    event = make.event(activity, sessions=0)
    start = datetime(2027, 1, 15, 9, tzinfo=timezone.utc)
    step = spread_days // max(meetings - 1, 1)
    for i in range(meetings):
        begins = start + timedelta(days=i * step)
        event.sessions.append(Session(starts_at=begins, ends_at=begins + timedelta(hours=2)))
    make.db.session.flush()
    return event


def test_cadence_warning_pro_rata(db, make):
    two_years = make.programme(starts_on=date(2027, 1, 1), ends_on=date(2028, 12, 31))
    assert cadence_warning(_network(make, 2, 4, two_years)) is None
    warning = cadence_warning(_network(make, 2, 3, two_years))
    assert (warning.expected, warning.held, warning.required_per_year) == (4, 3, 2)
    # Half a year's programme: 3 a year pro rata is 1.
    half = make.programme(starts_on=date(2027, 1, 1), ends_on=date(2027, 6, 30))
    assert cadence_warning(_network(make, 3, 1, half, spread_days=1)) is None
    # No programme period: judged from the first to the last meeting.
    assert cadence_warning(_network(make, 3, 2, spread_days=366)).expected == 3
    assert cadence_warning(_network(make, 0, 1)) is None
    assert cadence_warning(make.event(make.activity(kind="seminar"))) is None


def test_network_cadence_page_for_coordinators(db, make, login, trained):
    programme = make.programme(starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31), name="Roskilde forums")
    ok = _network(make, 2, 2, programme)
    ok.title = "Steering group 2027"
    bad = _network(make, 3, 1, programme)
    bad.title = "Counsellor salon 2027"
    db.session.flush()
    coordinator = make.person(role="coordinator")
    html = login(coordinator).get(f"/admin/network-cadence?programme={programme.id}").get_data(as_text=True)
    assert "Steering group 2027" in html and "Counsellor salon 2027" in html
    row = html.split("Counsellor salon 2027")[1].split("</tr>")[0]
    assert "Too few: 3 expected" in row
    assert login(coordinator).get("/admin/network-cadence?programme=abc").status_code == 200
    assert login(make.person(role="trainer")).get("/admin/network-cadence").status_code == 403
    # The trainer's roster shows the flag too.
    bad.trainers.append(trainer := make.person(role="trainer"))
    db.session.flush()
    assert "Cadence warning" in login(trainer).get(f"/sessions/{bad.sessions[0].id}/attendance").get_data(as_text=True)


def test_dashboard_links_to_the_cadence_page_through_the_kind(db, make, login):
    """The network kind's programme_links hook puts its page on the programme's dashboard."""
    programme = make.programme()
    link = f'href="/admin/network-cadence?programme={programme.id}">All network cycles and their cadence</a>'
    coordinator = make.person(role="coordinator", scope=programme)
    assert link in login(coordinator).get(f"/programmes/{programme.id}/dashboard").get_data(as_text=True)
    manager = make.person(role="manager")
    page = login(manager).get(f"/programmes/{programme.id}/dashboard")
    assert page.status_code == 200 and "/admin/network-cadence" not in page.get_data(as_text=True)


def test_workshop_action_plans(db, make, trained, enrol, login):
    trainer, event = trained("workshop", settings={"method": "future_workshop"})
    participant = make.person()
    enrol(participant, event)
    outsider = make.person()
    url = f"/events/{event.id}/action-plans"

    r = login(trainer).post(url, data={"what": "", "how": "x"})
    assert r.status_code == 422
    assert '<p class="error" id="what-error">This field is required.</p>' in r.get_data(as_text=True)
    assert 'id="how-error"' not in r.get_data(as_text=True)
    r = login(trainer).post(url, data={
        "what": "Regional broker network", "how": "Monthly calls", "who": "Learning centre heads",
        "first_step": "Book the first call",
    })
    assert r.status_code == 302
    html = login(participant).get(url).get_data(as_text=True)
    assert "Regional broker network" in html and "Book the first call" in html
    assert 'name="what"' not in html  # participants read, trainers write
    assert login(participant).post(url, data={"what": "Mine"}).status_code == 403
    assert login(outsider).get(url).status_code == 403
    _, seminar = trained("seminar")
    assert login(trainer).get(f"/events/{seminar.id}/action-plans").status_code == 404


def test_action_plans_are_linked_through_the_kind(db, make, trained, enrol, login):
    """The workshop kind's event_links hook: the roster and the event page link its action
    plans for those who may read them; a seminar's pages have no such link."""
    trainer, event = trained("workshop")
    participant, outsider = make.person(), make.person()
    enrol(participant, event)
    link = f'href="/events/{event.id}/action-plans">Action plans</a>'
    assert link in login(trainer).get(f"/sessions/{event.sessions[0].id}/attendance").get_data(as_text=True)
    assert link in login(participant).get(f"/events/{event.id}").get_data(as_text=True)
    assert "/action-plans" not in login(outsider).get(f"/events/{event.id}").get_data(as_text=True)
    seminar_trainer, seminar = trained("seminar")
    roster = login(seminar_trainer).get(f"/sessions/{seminar.sessions[0].id}/attendance").get_data(as_text=True)
    assert "/action-plans" not in roster
