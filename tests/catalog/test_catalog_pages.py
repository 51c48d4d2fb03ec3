def test_catalogue_lists_filters_and_hides_drafts(client, make):
    programme = make.programme(name="Demo")
    seminar = make.activity(programme, kind="seminar", title="Omvärldsförändringar")
    make.event(seminar)
    track = make.activity(programme, kind="track", title="Handledare steg 3")
    make.event(track, sessions=5)
    draft_only = make.activity(programme, kind="workshop", title="Hemlig verkstad")
    draft = make.event(draft_only, status="draft")
    page = client.get(f"/?programme={programme.id}").get_data(as_text=True)
    assert "Omvärldsförändringar" in page and "Handledare steg 3" in page
    page = client.get(f"/?programme={programme.id}&kind=track").get_data(as_text=True)
    assert "Handledare steg 3" in page and "Omvärldsförändringar" not in page
    page = client.get(f"/?programme={programme.id}&q=omvärld").get_data(as_text=True)
    assert "Omvärldsförändringar" in page and "Handledare" not in page
    assert client.get(f"/events/{draft.id}").status_code == 404
    assert "Hemlig" not in client.get(f"/activities/{draft_only.id}").get_data(as_text=True).split("<h2>")[-1]


def test_activity_page_shows_events_and_settings(client, make):
    track = make.activity(kind="track", title="Steg 3", settings={"days": 5, "blocks": [2, 2, 1], "min_ratio": 1.0})
    event = make.event(track, sessions=5, capacity=20, place="Örebro")
    page = client.get(f"/activities/{track.id}").get_data(as_text=True)
    assert "5 days in blocks of 2+2+1" in page and "Örebro" in page and "20 / 20" in page
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert page.count("<tr><th scope=\"row\">") == 5


def test_create_track_activity_shows_settings_errors(client, login, make, db):
    from sqlalchemy import select

    from lms.catalog.models import Activity

    programme = make.programme()
    login(make.person(role="coordinator"))
    r = client.post(f"/admin/programmes/{programme.id}/activities/new/track", data={
        "title": "Steg 3", "theme_id": "", "settings-days": "5", "settings-blocks": "2, 2", "settings-min_ratio": "1"})
    assert r.status_code == 422
    # Beside the kind's own field (the sub-form prefixed "settings"), not flashed at the top.
    page = r.get_data(as_text=True)
    assert '<p class="error" id="settings-blocks-error">The blocks add up to 4 days, not 5.</p>' in page
    assert page.count("The blocks add up to 4 days, not 5.") == 1
    r = client.post(f"/admin/programmes/{programme.id}/activities/new/track", data={
        "title": "Steg 3", "theme_id": "", "settings-days": "5", "settings-blocks": "2, 2, 1", "settings-min_ratio": "0.8"})
    assert r.status_code == 302
    activity = db.session.scalar(select(Activity).where(Activity.title == "Steg 3"))
    assert activity.settings == {"days": 5, "blocks": [2, 2, 1], "min_ratio": 0.8}


def test_create_event_with_sessions_in_local_time(client, login, make, db):
    activity = make.activity(kind="seminar")
    login(make.person(role="coordinator"))
    r = client.post(f"/admin/activities/{activity.id}/events/new", data={
        "title": "Nyköping", "capacity": "60", "status": "open", "session_rows": "2",
        "s0-day": "2026-03-02", "s0-start": "09:00", "s0-end": "12:00", "s1-day": "", "s1-start": "", "s1-end": ""})
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.refresh(activity)
    event = activity.events[0]
    assert event.sessions[0].starts_at.isoformat() == "2026-03-02T08:00:00+00:00"
    assert event.capacity == 60 and event.seats_taken == 0
    r = client.post(f"/admin/events/{event.id}", data={
        "capacity": "-5", "status": "open", "session_rows": "1", "s0-day": "2026-03-02", "s0-start": "12:00", "s0-end": "09:00"})
    assert r.status_code == 422


def test_event_page_raising_capacity_gives_the_seat_to_the_waiting_list(client, login, make, db):
    """The event form saves through enrolment, which owns the seats: a higher capacity
    promotes the first person waiting; one below the seats taken is refused."""
    from datetime import date, timedelta

    from lms.enrollment.operations import enrol

    event = make.event(capacity=1)
    seated, waiting = make.person(), make.person()
    enrol(seated, event)
    first = enrol(waiting, event)
    assert first.status == "waitlisted"
    login(make.person(role="coordinator"))
    day = (date.today() + timedelta(days=30)).isoformat()
    form = {"title": "", "status": "open", "session_rows": "1", "s0-id": str(event.sessions[0].id),
            "s0-day": day, "s0-start": "09:00", "s0-end": "12:00"}
    r = client.post(f"/admin/events/{event.id}", data={**form, "capacity": "2"})
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.refresh(event)
    db.session.refresh(first)
    assert (event.capacity, event.seats_taken, first.status) == (2, 2, "enrolled")
    r = client.post(f"/admin/events/{event.id}", data={**form, "capacity": "1"})
    assert r.status_code == 422 and "2 people are already enrolled" in r.get_data(as_text=True)


def test_an_event_with_enrolments_is_cancelled_not_deleted(client, login, make, db):
    from lms.catalog.models import Event
    from lms.enrollment.operations import enrol

    taken, empty = make.event(), make.event()
    enrol(make.person(), taken)
    login(make.person(role="coordinator"))
    r = client.post(f"/admin/events/{taken.id}/delete", follow_redirects=True)
    assert "cancel the event instead of deleting it" in r.get_data(as_text=True)
    assert db.session.get(Event, taken.id) is not None
    assert client.post(f"/admin/events/{empty.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, empty.id) is None


def test_staff_cannot_reach_admin_pages(client, login, make):
    activity = make.activity()
    login(make.person())
    assert client.get("/admin/activities").status_code == 403
    assert client.get(f"/admin/activities/{activity.id}/edit").status_code == 403
