"""Emails are delivered after commit to a real (local) SMTP server; calendars are valid."""
import socket
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp(committed_app):
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: committed_app.config.get(k) for k in ("MAIL_ENABLED", "MAIL_SERVER", "MAIL_PORT")}
    committed_app.config.update(MAIL_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield inbox
    committed_app.config.update(saved)
    controller.stop()


def _data(app, locale="sv", capacity=5):
    from lms.catalog.models import Activity, Event, Session
    from lms.extensions import db
    from lms.people.models import Person
    from lms.programmes.models import Programme

    start = datetime(2030, 3, 4, 8, 0, tzinfo=timezone.utc)
    programme = Programme(code=f"N{uuid.uuid4().hex[:6]}", name="Notis")
    activity = Activity(programme=programme, kind="seminar", title="Jämställdhet i praktiken", settings={})
    event = Event(activity=activity, capacity=capacity, status="open", place="Örebro")
    event.sessions = [Session(starts_at=start, ends_at=start + timedelta(hours=3)),
                      Session(starts_at=start + timedelta(days=1), ends_at=start + timedelta(days=1, hours=3))]
    person = Person(email=f"n{uuid.uuid4().hex[:8]}@example.org", name="Åsa Öberg", locale=locale)
    db.session.add_all([programme, activity, event, person])
    db.session.commit()
    return event.id, person.id


def _wait(inbox, n, seconds=5):
    deadline = time.time() + seconds
    while len(inbox.messages) < n and time.time() < deadline:
        time.sleep(0.05)
    return inbox.messages


def test_enrolment_email_delivered_in_recipients_language_with_ics(committed_app, smtp):
    from lms.catalog.models import Event
    from lms.enrollment.operations import enrol
    from lms.extensions import db
    from lms.people.models import Person

    with committed_app.app_context():
        event_id, person_id = _data(committed_app, locale="sv")
        enrol(db.session.get(Person, person_id), db.session.get(Event, event_id))
        db.session.commit()
        messages = _wait(smtp, 1)
        assert len(messages) == 1
        message = messages[0]
        # The event is named by its activity, then its place.
        assert message["Subject"] == "Du är anmäld: Jämställdhet i praktiken, Örebro"
        body = message.get_body(("plain",)).get_content()
        assert "Hej Åsa Öberg" in body
        assert "Jämställdhet i praktiken, Örebro" in body
        parts = {part.get_content_type(): part for part in message.walk()}
        assert "text/calendar" in parts
        cal = Calendar.from_ical(parts["text/calendar"].get_payload(decode=True))
        assert len([c for c in cal.walk("VEVENT")]) == 2
        assert {str(c["summary"]) for c in cal.walk("VEVENT")} == {"Jämställdhet i praktiken, Örebro"}
        # Rendered by the delivery task, which keeps what it sent on the outbox row.
        from sqlalchemy import select

        from lms.notifications.models import OutboxEmail

        db.session.expire_all()
        email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.person_id == person_id))
        assert (email.status, email.locale, email.subject) == ("sent", "sv", message["Subject"])
        assert email.body.strip() == body.replace("\r\n", "\n").strip()  # as sent (SMTP ends lines with CRLF)
        assert [a["filename"] for a in email.attachments] == ["event.ics"]
        db.session.remove()


def test_an_email_about_a_deleted_enrolment_is_not_sent(committed_app, smtp):
    from sqlalchemy import select

    from lms.catalog.models import Event
    from lms.enrollment.models import Enrollment
    from lms.enrollment.operations import enrol
    from lms.extensions import db
    from lms.notifications.models import OutboxEmail
    from lms.notifications.operations import send_one
    from lms.people.models import Person

    with committed_app.app_context():
        event_id, person_id = _data(committed_app)
        committed_app.config["MAIL_ENABLED"] = False  # queued, not handed over
        enrol(db.session.get(Person, person_id), db.session.get(Event, event_id))
        db.session.commit()
        committed_app.config["MAIL_ENABLED"] = True
        email_id = db.session.scalar(select(OutboxEmail.id).where(OutboxEmail.person_id == person_id))
        db.session.execute(Enrollment.__table__.delete().where(Enrollment.person_id == person_id))
        db.session.commit()
        assert send_one(email_id) is True  # nothing left to retry
        email = db.session.get(OutboxEmail, email_id)
        db.session.refresh(email)
        assert (email.status, email.attempts, email.subject) == ("failed", 0, None)
        assert "deleted" in email.last_error
        time.sleep(0.2)
        assert smtp.messages == []
        db.session.remove()


def test_nothing_sent_when_the_transaction_rolls_back(committed_app, smtp):
    from sqlalchemy import func, select

    from lms.catalog.models import Event
    from lms.enrollment.operations import enrol
    from lms.extensions import db
    from lms.notifications.models import OutboxEmail
    from lms.people.models import Person

    with committed_app.app_context():
        event_id, person_id = _data(committed_app)
        enrol(db.session.get(Person, person_id), db.session.get(Event, event_id))
        db.session.rollback()
        time.sleep(0.3)
        assert smtp.messages == []
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.person_id == person_id)) == 0
        db.session.remove()


def test_failing_smtp_does_not_break_the_signup(committed_app):
    from lms.catalog.models import Event
    from lms.enrollment.models import Enrollment
    from lms.enrollment.operations import enrol
    from lms.extensions import db
    from lms.notifications.models import OutboxEmail
    from lms.people.models import Person
    from sqlalchemy import select

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    committed_app.config.update(MAIL_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=dead_port)
    try:
        with committed_app.app_context():
            event_id, person_id = _data(committed_app)
            enrol(db.session.get(Person, person_id), db.session.get(Event, event_id))
            db.session.commit()
            assert db.session.scalar(select(Enrollment.status).where(Enrollment.person_id == person_id)) == "enrolled"
            email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.person_id == person_id))
            db.session.refresh(email)
            assert email.status == "queued" and email.attempts == 1 and "Connection refused" in email.last_error
            db.session.remove()
    finally:
        committed_app.config.update(MAIL_ENABLED=False)


def test_event_ics_and_private_feed(client, login, make, db):
    event = make.event(sessions=3, hours=2)
    r = client.get(f"/events/{event.id}/calendar.ics")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    cal = Calendar.from_ical(r.data)
    vevents = list(cal.walk("VEVENT"))
    assert len(vevents) == 3
    assert vevents[0].decoded("dtstart") == event.sessions[0].starts_at
    person = make.person()
    from lms.enrollment.operations import enrol

    enrol(person, event)
    login(person)
    page = client.post("/me/calendar", data={"action": "create"}).get_data(as_text=True)
    import re

    url = re.search(r'value="(http[^"]+\.ics)"', page).group(1)
    path = url.split("localhost", 1)[-1]
    assert len(list(Calendar.from_ical(client.get(path).data).walk("VEVENT"))) == 3
    client.post("/me/calendar", data={"action": "revoke"})
    assert client.get(path).status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404


def test_reminders_queued_once(make, db, app, clock):
    from lms.enrollment.operations import enrol
    from lms.notifications.models import OutboxEmail
    from lms.enrollment.operations import queue_reminders
    from sqlalchemy import select

    assert app.config["REMINDER_DAYS_BEFORE"] == 3
    event = make.event(start=clock.now + timedelta(days=2))
    person = make.person()
    enrol(person, event)
    not_yet = make.person()
    enrol(not_yet, make.event(start=clock.now + timedelta(days=3, minutes=1)))  # just outside the three days
    assert queue_reminders() == 1
    assert queue_reminders() == 0
    kinds = db.session.scalars(select(OutboxEmail.kind).where(OutboxEmail.person_id == person.id)).all()
    assert sorted(kinds) == ["enrolled", "reminder"]
    assert db.session.scalars(select(OutboxEmail.kind).where(OutboxEmail.person_id == not_yet.id)).all() == ["enrolled"]
    clock.advance(minutes=2)  # now it is inside
    assert queue_reminders() == 1


def test_waitlisted_email_names_the_place_on_the_list(make, db, app):
    """The enrolment area tells notifications the place; the email shows it."""
    from sqlalchemy import select

    from lms.enrollment.operations import enrol
    from lms.notifications.models import OutboxEmail

    event = make.event(capacity=1)
    first, second, third = make.person(), make.person(), make.person()
    for person in (first, second, third):
        enrol(person, event)
    from lms.notifications.operations import render_enrollment_email

    # The request stored the place; the delivery task renders it into the email.
    emails = db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "waitlisted")).all()
    assert {e.person_id: e.waitlist_position for e in emails} == {second.id: 1, third.id: 2}
    bodies = {e.person_id: render_enrollment_email(e)[1] for e in emails}
    assert "You are number 1 on the waiting list" in bodies[second.id]
    assert "You are number 2 on the waiting list" in bodies[third.id]
    assert first.id not in bodies


def test_making_a_new_calendar_link_asks_first(client, make, login):
    person = make.person()
    login(person)
    first = client.get("/me/calendar").get_data(as_text=True)
    assert "Make my link" in first and "stops working" not in first
    client.post("/me/calendar", data={"action": "create"})
    page = client.get("/me/calendar").get_data(as_text=True)
    confirm = page.split('value="create">', 1)[1].split("</form>", 1)[0]
    assert '<details class="confirm"><summary class="button">Make a new link</summary>' in confirm
    assert "The old link stops working" in confirm and "Yes, make a new link" in confirm
