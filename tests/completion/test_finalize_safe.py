"""Finalize is safe: not before the last session has ended, confirmed first, followed by
the certificates being issued; a reopen returns the event to its earlier status and shows
the old results as superseded; the event's trainers read its certificates page."""
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from lms.completion.models import Completion, Finalization


def _future():
    return datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=3)


def _mark(api, trainer, event, enrollment, status="present"):
    for s in event.sessions:
        r = api(trainer).put(f"/api/v1/sessions/{s.id}/attendance", json=[{"enrollment_id": enrollment.id, "status": status}])
        assert r.status_code == 200, r.get_json()


# --- not before the last session has ended ------------------------------------------------

def test_api_refuses_to_finalize_before_the_last_session_ends(db, make, trained, enrol, api):
    trainer, event = trained("workshop", sessions=2, start=datetime.now(timezone.utc) - timedelta(hours=1))
    enrol(make.person(), event)
    r = api(trainer).post(f"/api/v1/events/{event.id}/finalize")
    assert r.status_code == 409
    error = r.get_json()["error"]
    assert error["code"] == "event_not_over"
    assert error["message"].startswith("You can finalize after the last session ends on ")
    # Nothing written.
    assert event.status == "open"
    assert db.session.scalar(select(func.count()).select_from(Finalization)) == 0
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 0


def test_html_finalize_refused_and_the_button_disabled_with_the_reason(db, make, trained, enrol, login):
    trainer, event = trained("seminar", start=_future())
    enrol(make.person(), event)
    client = login(trainer)
    page = client.get(f"/events/{event.id}/completion")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<button type="button" class="button primary" disabled[^>]*>Finalize</button>', text)
    assert "You can finalize after the last session ends on" in text
    assert f'href="/events/{event.id}/finalize"' not in text
    r = client.post(f"/events/{event.id}/finalize")
    assert r.status_code == 409
    assert "You can finalize after the last session ends on" in r.get_data(as_text=True)
    assert event.status == "open"
    # The confirmation page is not offered either.
    assert client.get(f"/events/{event.id}/finalize").status_code == 409


def test_openapi_lists_event_not_over(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "event_not_over" in str(spec)


# --- confirm first, then follow the certificates -----------------------------------------

def test_finalize_asks_for_confirmation_saying_what_happens(db, make, trained, enrol, login):
    trainer, event = trained("seminar")
    enrol(make.person(), event)
    client = login(trainer)
    page = client.get(f"/events/{event.id}/completion").get_data(as_text=True)
    assert f'href="/events/{event.id}/finalize"' in page  # a link to the confirmation step, not a bare POST
    assert f'action="/events/{event.id}/finalize"' not in page
    confirm = client.get(f"/events/{event.id}/finalize")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert f"<h1>Finalize {event.full_title}?</h1>" in text
    assert "decide whether the 1 enrolled participant completed, by the rule of the kind Seminar;" in text
    assert "lock the attendance marks" in text
    assert "issue a certificate to everyone who completed." in text
    assert f'action="/events/{event.id}/finalize"' in text and "Yes, finalize" in text
    assert event.status == "open"  # looking at it changes nothing


def test_finalize_shows_the_issuing_progress_then_links_to_the_certificates(db, make, trained, enrol, api, login):
    from certificates.models import CertificateBatch

    trainer, event = trained("seminar")
    person = enrol(make.person(), event)
    _mark(api, trainer, event, person)
    client = login(trainer)
    r = client.post(f"/events/{event.id}/finalize")
    batch = db.session.scalar(select(CertificateBatch).where(CertificateBatch.event_id == event.id))
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/certificates/batches/{batch.id}")
    progress = client.get(r.headers["Location"])
    text = progress.get_data(as_text=True)
    assert progress.status_code == 200 and "1 of 1 certificates handled" in text
    assert f'href="/events/{event.id}/certificates"' in text


def test_finalize_without_completions_returns_to_the_completion_page(db, make, trained, enrol, login):
    trainer, event = trained("seminar")
    enrol(make.person(), event)  # not marked: does not complete
    r = login(trainer).post(f"/events/{event.id}/finalize")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/events/{event.id}/completion")


# --- reopen -------------------------------------------------------------------------------

def test_reopen_returns_to_the_status_before_finalize(db, make, trained, enrol, api):
    for before in ("open", "closed"):
        trainer, event = trained("seminar", status=before)
        enrol(make.person(), event)
        assert api(trainer).post(f"/api/v1/events/{event.id}/finalize").status_code == 200
        record = db.session.scalar(select(Finalization).where(Finalization.event_id == event.id))
        assert record.previous_status == before
        coordinator = make.person(role="coordinator", scope=event.activity.programme)
        r = api(coordinator).post(f"/api/v1/events/{event.id}/reopen", json={"reason": "Wrong marks"})
        assert r.status_code == 200 and r.get_json()["status"] == before
        assert event.status == before


def test_reopened_results_are_superseded_on_the_completion_page_and_transcript(db, make, trained, enrol, api, login):
    trainer, event = trained("seminar")
    person = make.person()
    enrollment = enrol(person, event)
    _mark(api, trainer, event, enrollment)
    api(trainer).post(f"/api/v1/events/{event.id}/finalize")
    item = api(person).get(f"/api/v1/people/{person.id}/transcript").get_json()["items"][0]
    assert item["status"] == "completed"

    coordinator = make.person(role="coordinator", scope=event.activity.programme)
    assert api(coordinator).post(f"/api/v1/events/{event.id}/reopen", json={"reason": "Check marks"}).status_code == 200
    page = login(coordinator).get(f"/events/{event.id}/completion").get_data(as_text=True)
    assert "<h2>Superseded results</h2>" in page and "<h2>Results</h2>" not in page
    assert "these results of the earlier finalize are no longer current" in page
    assert "Superseded: Completed on" in page

    item = api(person).get(f"/api/v1/people/{person.id}/transcript").get_json()["items"][0]
    assert item["status"] == "in_progress" and item["completed_on"] is None and item["certificate_code"] is None
    transcript = login(person).get(f"/people/{person.id}/transcript").get_data(as_text=True)
    assert "Earlier result superseded (completed on" in transcript and "In progress" in transcript

    # Finalized again: current once more.
    api(trainer).post(f"/api/v1/events/{event.id}/finalize")
    page = login(coordinator).get(f"/events/{event.id}/completion").get_data(as_text=True)
    assert "<h2>Results</h2>" in page and "Superseded" not in page


# --- trainers read the certificates page ---------------------------------------------------

def test_trainers_read_their_events_certificates_without_issue_or_revoke(db, make, trained, enrol, api, login):
    trainer, event = trained("seminar")
    a, b = enrol(make.person(), event), enrol(make.person(), event)
    _mark(api, trainer, event, a)
    _mark(api, trainer, event, b)
    api(trainer).post(f"/api/v1/events/{event.id}/finalize")
    from certificates.models import Certificate

    certificate = db.session.scalars(select(Certificate).where(Certificate.event_id == event.id)).first()
    db.session.delete(certificate)  # one completion left without a certificate
    db.session.commit()

    client = login(trainer)
    completion_page = client.get(f"/events/{event.id}/completion").get_data(as_text=True)
    assert f'href="/events/{event.id}/certificates"' in completion_page
    mine = client.get("/me/events?when=past").get_data(as_text=True)
    assert f'href="/events/{event.id}/certificates"' in mine

    page = client.get(f"/events/{event.id}/certificates")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 completion has no certificate yet." in text
    assert "Issue the missing certificates" not in text and "/certificates/issue" not in text
    assert "/revoke" not in text and "/reissue" not in text
    assert client.post(f"/events/{event.id}/certificates/issue").status_code == 403

    other = make.person(role="trainer")
    assert login(other).get(f"/events/{event.id}/certificates").status_code == 403
    coordinator = make.person(role="coordinator", scope=event.activity.programme)
    assert "Issue the missing certificates" in login(coordinator).get(f"/events/{event.id}/certificates").get_data(as_text=True)
