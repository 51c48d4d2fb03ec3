"""Without a broker, email goes out after the response: a mail server that accepts the
connection and never answers does not hold up a sign-up, and the email stays queued."""
import socket
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest


class HungSmtpServer:
    """Accepts connections and never says a word (no SMTP greeting)."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(5)
        self.port = self.listener.getsockname()[1]
        self.connected = threading.Event()   # a client connected
        self.hung_up = threading.Event()     # ... and gave up (closed the connection)
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.listener.settimeout(0.05)  # so close() never waits on an accept() nobody answers
        while True:
            try:
                conn, _addr = self.listener.accept()
                break
            except socket.timeout:
                if self.release.is_set():
                    return
            except OSError:
                return
        with conn:
            self.connected.set()
            conn.settimeout(0.05)
            while not self.release.is_set():
                try:
                    if conn.recv(1024) == b"":
                        break  # the client closed the connection
                except socket.timeout:
                    continue
                except OSError:
                    break
            self.hung_up.set()

    def close(self):
        self.release.set()
        self.listener.close()
        self.thread.join()


@pytest.fixture
def hung_smtp(committed_app):
    server = HungSmtpServer()
    keys = ("MAIL_ENABLED", "MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")
    saved = {k: committed_app.config.get(k) for k in keys}
    committed_app.config.update(MAIL_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=0.5)
    yield server
    committed_app.config.update(saved)
    server.close()


def _person_and_event(app):
    from lms.catalog.models import Activity, Event, Session
    from lms.extensions import db
    from lms.people.models import Person
    from lms.programmes.models import Programme

    start = datetime(2031, 5, 6, 8, 0, tzinfo=timezone.utc)
    with app.app_context():
        programme = Programme(code=f"H{uuid.uuid4().hex[:6]}", name="Hung")
        activity = Activity(programme=programme, kind="seminar", title="Väntan", settings={})
        event = Event(activity=activity, capacity=5, status="open")
        event.sessions = [Session(starts_at=start, ends_at=start + timedelta(hours=2))]
        person = Person(email=f"h{uuid.uuid4().hex[:8]}@example.org", name="Hugo Häng", locale="en")
        db.session.add_all([programme, activity, event, person])
        db.session.commit()
        ids = event.id, person.id
        db.session.remove()
    return ids


def _outbox(app, person_id):
    from sqlalchemy import select

    from lms.extensions import db
    from lms.notifications.models import OutboxEmail

    with app.app_context():
        email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.person_id == person_id))
        state = (email.status, email.attempts, email.last_error)
        db.session.remove()
    return state


def test_hanging_mail_server_does_not_hold_up_the_signup(committed_app, hung_smtp):
    from tests.conftest import sign_in_committed

    app = committed_app
    event_id, person_id = _person_and_event(app)
    client = app.test_client()
    sign_in_committed(app, client, person_id)

    response = client.post(f"/events/{event_id}/enrol")
    # The answer is there before anyone talked to the mail server.
    assert response.status_code == 302
    assert not hung_smtp.connected.is_set()
    assert _outbox(app, person_id) == ("queued", 0, None)

    # Once the response has been sent (the server closes it), delivery is tried, times
    # out after MAIL_TIMEOUT and leaves the email queued for `flask jobs send-outbox`.
    response.close()
    assert hung_smtp.connected.is_set() and hung_smtp.hung_up.wait(30)
    status, attempts, error = _outbox(app, person_id)
    assert (status, attempts) == ("queued", 1) and "timed out" in error


def test_smtp_client_uses_mail_timeout(app, monkeypatch):
    from lms.notifications import operations

    seen = {}

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            seen["timeout"] = timeout
            raise TimeoutError("timed out")

    monkeypatch.setattr(operations.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 2.5)

    class Email:
        to_address, subject, body, attachments = "a@example.org", "s", "b", []

    with app.app_context(), pytest.raises(TimeoutError):
        operations._smtp_send(Email())
    assert seen["timeout"] == 2.5
