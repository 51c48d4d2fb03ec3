"""The person picker on the roster ("Enrol someone") and the manager's "enrol my staff"
form: a server-side search (GET ``q``), results as radio buttons with the organisation,
people already enrolled left out, a warning for organisations outside the programme."""
import re


def _radio(person):
    return f'name="person_id" id="person-{person.id}" value="{person.id}"'


def _world(make):
    inside = make.organisation(name="Inside kommun")
    outside = make.organisation(name="Outside region")
    programme = make.programme()
    programme.organisations.append(inside)
    event = make.event(make.activity(programme))
    make.db.session.flush()
    return programme, event, inside, outside


def test_roster_search_finds_matching_people_and_leaves_out_the_enrolled(client, login, make, enrol):
    programme, event, inside, outside = _world(make)
    astrid = make.person(name="Astrid Lindqvist", organisation=inside)
    enrolled = make.person(name="Astrid Enrolled", organisation=inside)
    enrol(enrolled, event)
    other = make.person(name="Bertil Berg", organisation=inside, email="bertil@example.org")
    login(make.person(role="coordinator"))
    r = client.get(f"/events/{event.id}/roster?q=astrid")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert _radio(astrid) in html
    assert "Inside kommun" in html.split(_radio(astrid))[1].split("</li>")[0]
    assert _radio(enrolled) not in html
    assert _radio(other) not in html
    # By email too, case-insensitive.
    assert _radio(other) in client.get(f"/events/{event.id}/roster?q=BERTIL@").get_data(as_text=True)
    # Without a search nobody is listed (no dropdown of hundreds).
    html = client.get(f"/events/{event.id}/roster").get_data(as_text=True)
    assert 'name="q"' in html and 'name="person_id"' not in html
    assert re.search(r'<label for="person-q">Find a person \(name or email\)</label>', html)


def test_roster_search_warns_about_organisations_outside_the_programme(client, login, make):
    programme, event, inside, outside = _world(make)
    stranger = make.person(name="Sven Utanför", organisation=outside)
    member = make.person(name="Sven Innanför", organisation=inside)
    login(make.person(role="coordinator"))
    html = client.get(f"/events/{event.id}/roster?q=sven").get_data(as_text=True)
    assert "Sven Utanför&#39;s organisation is not part of this programme." in html
    assert "Sven Innanför&#39;s organisation is not part of this programme." not in html
    assert f'aria-describedby="person-{stranger.id}-warning"' in html
    # Still allowed for coordinators.
    r = client.post(f"/events/{event.id}/roster/enrol", data={"person_id": stranger.id})
    assert r.status_code == 302
    assert _radio(stranger) not in client.get(f"/events/{event.id}/roster?q=sven").get_data(as_text=True)
    assert _radio(member) in client.get(f"/events/{event.id}/roster?q=sven").get_data(as_text=True)


def test_roster_search_shows_at_most_twenty(client, login, make):
    programme, event, inside, outside = _world(make)
    for i in range(23):
        make.person(name=f"Many {i:02d}", organisation=inside)
    login(make.person(role="coordinator"))
    html = client.get(f"/events/{event.id}/roster?q=many").get_data(as_text=True)
    assert html.count('name="person_id"') == 20
    assert "Only the first 20 people are shown; search more precisely." in html


def test_scoped_coordinator_finds_only_the_people_they_may_see(client, login, make):
    programme, event, inside, outside = _world(make)
    seen = make.person(name="Greta Synlig", organisation=inside)
    unseen = make.person(name="Greta Osynlig", organisation=outside)
    login(make.person(role="coordinator", scope=programme))
    html = client.get(f"/events/{event.id}/roster?q=greta").get_data(as_text=True)
    assert _radio(seen) in html and _radio(unseen) not in html


def test_enrol_without_choosing_a_person_is_a_clear_422(client, login, make, db):
    from lms.enrollment.models import Enrollment

    programme, event, inside, outside = _world(make)
    login(make.person(role="coordinator"))
    r = client.post(f"/events/{event.id}/roster/enrol", data={"q": "x"})
    assert r.status_code == 422
    assert "Choose a person." in r.get_data(as_text=True)
    r = client.post(f"/events/{event.id}/roster/enrol", data={"person_id": "999999"})
    assert r.status_code == 422
    assert db.session.query(Enrollment).filter_by(event_id=event.id).count() == 0


def test_manager_searches_own_staff_for_the_chosen_event(client, login, make, enrol, db):
    from lms.enrollment.models import Enrollment

    programme, event, inside, outside = _world(make)
    manager = make.person(role="manager", organisation=inside)
    mine = make.person(name="Karin Egen", organisation=inside)
    busy = make.person(name="Karin Upptagen", organisation=inside)
    enrol(busy, event)
    theirs = make.person(name="Karin Annan", organisation=outside)
    login(manager)
    r = client.get(f"/manager/approvals?event_id={event.id}&q=karin")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert _radio(mine) in html
    assert _radio(busy) not in html and _radio(theirs) not in html
    assert f'<option value="{event.id}" selected>' in html
    r = client.post("/manager/approvals", data={"person_id": mine.id, "event_id": event.id})
    assert r.status_code == 302
    assert db.session.query(Enrollment).filter_by(event_id=event.id, person_id=mine.id).count() == 1
    r = client.post("/manager/approvals", data={"event_id": event.id, "q": "karin"})
    assert r.status_code == 422 and "Choose a person." in r.get_data(as_text=True)


def test_manager_roster_search_is_limited_to_own_organisations(client, login, make):
    programme, event, inside, outside = _world(make)
    manager = make.person(role="manager", organisation=inside)
    mine = make.person(name="Olle Egen", organisation=inside)
    theirs = make.person(name="Olle Annan", organisation=outside)
    login(manager)
    html = client.get(f"/events/{event.id}/roster?q=olle").get_data(as_text=True)
    assert _radio(mine) in html and _radio(theirs) not in html
