"""Coordinator set-up: session rows per planned session, "Add a row" without saving, and
every problem of the activity and event forms shown in one round (422, nothing written)."""
import re

from sqlalchemy import func, select


def _rows(html):
    return len(re.findall(r'<tr class="session-row', html))


def _events(db):
    from lms.catalog.models import Event

    return db.session.scalar(select(func.count()).select_from(Event))


def test_new_event_form_offers_one_row_per_planned_session(client, login, make):
    login(make.person(role="coordinator"))
    track = make.activity(kind="track", settings={"days": 5, "blocks": [2, 2, 1], "min_ratio": 1.0})
    seminar = make.activity(kind="seminar")
    network = make.activity(kind="network", settings={"min_meetings": 4, "cadence_per_year": 2})
    r = client.get(f"/admin/activities/{track.id}/events/new")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert _rows(html) == 5
    assert 'name="session_rows" value="5"' in html
    assert _rows(client.get(f"/admin/activities/{seminar.id}/events/new").get_data(as_text=True)) == 1
    assert _rows(client.get(f"/admin/activities/{network.id}/events/new").get_data(as_text=True)) == 4


def test_kind_plugin_declares_planned_sessions():
    from lms.plugins import ActivityKind, registry

    assert ActivityKind().planned_sessions({}) == 1
    assert registry.get("track").planned_sessions({"days": 3, "blocks": [2, 1]}) == 3
    assert registry.get("network").planned_sessions({"min_meetings": 6}) == 6
    assert registry.get("seminar").planned_sessions({}) == 1


def test_editing_an_event_shows_its_sessions_and_an_empty_row(client, login, make):
    login(make.person(role="coordinator"))
    event = make.event(make.activity(kind="seminar"), sessions=2)
    html = client.get(f"/admin/events/{event.id}").get_data(as_text=True)
    assert _rows(html) == 3
    assert 'name="add_row"' in html and "session-rows.js" in html


def test_add_row_rerenders_with_one_more_row_and_writes_nothing(client, login, make, db):
    login(make.person(role="coordinator"))
    track = make.activity(kind="track", settings={"days": 5, "blocks": [2, 2, 1], "min_ratio": 1.0})
    data = {"title": "Kohort 1", "capacity": "-1", "status": "open", "session_rows": "5", "add_row": "1",
            "s0-day": "2026-03-02", "s0-start": "09:00", "s0-end": "16:00"}
    before = _events(db)
    r = client.post(f"/admin/activities/{track.id}/events/new", data=data)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert _rows(html) == 6
    assert 'name="session_rows" value="6"' in html
    assert 'id="s5-day"' in html and 'id="s6-day"' not in html
    # What was typed stays; nothing is validated or saved yet.
    assert 'value="Kohort 1"' in html and 'value="2026-03-02"' in html
    assert 'class="error"' not in html
    assert _events(db) == before


def test_event_form_shows_every_problem_in_one_round(client, login, make, db):
    login(make.person(role="coordinator"))
    activity = make.activity(kind="seminar")
    before = _events(db)
    r = client.post(f"/admin/activities/{activity.id}/events/new", data={
        "title": "X", "capacity": "-1", "status": "open",
        "enrol_opens_at": "2026-03-01T09:00", "enrol_closes_at": "2026-02-01T09:00",
        "session_rows": "3",
        "s0-day": "2026-03-02", "s0-start": "12:00", "s0-end": "09:00",
        "s1-day": "", "s1-start": "", "s1-end": "",
        "s2-day": "2026-03-03", "s2-start": "nine", "s2-end": "",
    })
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Number must be between 0 and 100000." in html             # capacity (field level)
    assert "Enrolment cannot close before it opens." in html          # cross-field
    assert "The session must end after it starts." in html           # session row 1
    assert "Session row 3: give a date and start and end times." in html
    # Each beside its field or row.
    assert re.search(r'id="capacity-error">Number must be between 0 and 100000\.', html)
    assert re.search(r'id="enrol_closes_at-error">Enrolment cannot close before it opens\.', html)
    assert re.search(r'id="s0-error">Session row 1: The session must end after it starts\.', html)
    assert re.search(r'id="s2-error">Session row 3: give a date', html)
    assert 'id="s1-error"' not in html
    assert _events(db) == before


def test_session_outside_the_programme_shown_with_field_errors(client, login, make, db):
    from datetime import date

    login(make.person(role="coordinator"))
    programme = make.programme(starts_on=date(2026, 1, 1), ends_on=date(2026, 6, 30))
    activity = make.activity(programme, kind="seminar")
    before = _events(db)
    r = client.post(f"/admin/activities/{activity.id}/events/new", data={
        "capacity": "", "status": "open", "session_rows": "1",
        "s0-day": "2027-03-02", "s0-start": "09:00", "s0-end": "12:00"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Give a number of seats." in html
    assert re.search(r'id="s0-error">[^<]*The session lies outside the programme', html)
    assert _events(db) == before


def test_valid_event_still_saves(client, login, make, db):
    login(make.person(role="coordinator"))
    activity = make.activity(kind="seminar")
    r = client.post(f"/admin/activities/{activity.id}/events/new", data={
        "capacity": "12", "status": "open", "session_rows": "2",
        "s0-day": "2026-03-02", "s0-start": "09:00", "s0-end": "12:00"})
    assert r.status_code == 302
    db.session.refresh(activity)
    assert activity.events[0].capacity == 12 and len(activity.events[0].sessions) == 1


def test_activity_form_shows_field_and_settings_problems_together(client, login, make, db):
    from lms.catalog.models import Activity

    programme = make.programme()
    login(make.person(role="coordinator"))
    before = db.session.scalar(select(func.count()).select_from(Activity))
    r = client.post(f"/admin/programmes/{programme.id}/activities/new/track", data={
        "title": "", "theme_id": "", "hours_per_session": "100",
        "settings-days": "5", "settings-blocks": "2, 2", "settings-min_ratio": "3"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert re.search(r'id="title-error">This field is required\.', html)
    assert re.search(r'id="hours_per_session-error">', html)
    assert re.search(r'id="settings-blocks-error">The blocks add up to 4 days, not 5\.', html)
    assert re.search(r'id="settings-min_ratio-error">Must be more than 0 and at most 1\.', html)
    assert db.session.scalar(select(func.count()).select_from(Activity)) == before


def test_activity_form_field_error_is_not_repeated(client, login, make):
    programme = make.programme()
    login(make.person(role="coordinator"))
    r = client.post(f"/admin/programmes/{programme.id}/activities/new/track", data={
        "title": "T", "theme_id": "", "settings-days": "many", "settings-blocks": "2, 2, 1", "settings-min_ratio": "1"})
    assert r.status_code == 422
    error = re.search(r'id="settings-days-error">([^<]*)<', r.get_data(as_text=True)).group(1)
    assert "This setting is required." not in error and error.strip()
