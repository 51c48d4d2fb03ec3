"""Nothing that must be shared lives in one process: two create_app() instances on one
database (committed, a database of its own) and one Redis behave as one installation."""
import logging
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import _own_database, _test_config, sign_in_committed


@pytest.fixture(scope="module")
def shared_apps(request):
    """``(app_a, app_b)``: two instances on one committed database of their own."""
    from lms import create_app
    from lms.extensions import db

    with _own_database(request, "scaleout") as first:
        second = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": first.config["SQLALCHEMY_DATABASE_URI"]})
        yield first, second
        with second.app_context():
            db.engine.dispose()


def _committed_event(app, starts_in):
    """A trainer, a participant enrolled, and the event's one session starting ``starts_in``
    from now; committed. Returns their ids."""
    from lms.auth.operations import hash_password
    from lms.catalog.models import Activity, Event, Session
    from lms.enrollment.operations import enrol
    from lms.extensions import db
    from lms.people.models import Organisation, Person, RoleGrant
    from lms.programmes.models import Programme
    from lms.types import utcnow

    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        org = Organisation(name=f"Org {tag}", kind="municipality")
        trainer = Person(email=f"trainer-{tag}@example.org", name="Trainer", locale="en", organisation=org,
                         password_hash=hash_password("trainer-password"), roles=[RoleGrant(role="trainer")])
        participant = Person(email=f"part-{tag}@example.org", name="Participant", locale="en", organisation=org,
                             password_hash=hash_password("participant-password"))
        activity = Activity(programme=Programme(code=f"S{tag}", name="Scale"), kind="seminar",
                            title=f"Seminar {tag}", settings={})
        start = utcnow().replace(microsecond=0) + starts_in
        event = Event(activity=activity, capacity=10, status="open",
                      sessions=[Session(starts_at=start, ends_at=start + timedelta(hours=2))])
        event.trainers.append(trainer)
        db.session.add_all([org, trainer, participant, event])
        db.session.flush()
        enrollment = enrol(participant, event)
        db.session.commit()
        return {"trainer": trainer.id, "participant": participant.id, "event": event.id,
                "session": event.sessions[0].id, "enrollment": enrollment.id}


def test_check_in_code_shown_by_one_instance_is_accepted_by_the_other(shared_apps):
    from lms.attendance.models import Attendance
    from lms.extensions import db

    app_a, app_b = shared_apps
    ids = _committed_event(app_a, timedelta(minutes=10))  # check-in opens 30 minutes before
    trainer_on_a, participant_on_b = app_a.test_client(), app_b.test_client()
    sign_in_committed(app_a, trainer_on_a, ids["trainer"])
    sign_in_committed(app_b, participant_on_b, ids["participant"])

    page = trainer_on_a.get(f"/sessions/{ids['session']}/check-in-code")
    assert page.status_code == 200
    code = re.search(r'class="checkin-code"[^>]*><span lang="en">([A-Z0-9]{6})</span>', page.get_data(as_text=True)).group(1)

    answer = participant_on_b.post("/checkin", data={"code": code, "session": str(ids["session"])})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/checkin/done/{ids['session']}")
    with app_a.app_context():
        mark = db.session.scalar(select(Attendance).where(Attendance.enrollment_id == ids["enrollment"]))
        assert (mark.session_id, mark.status) == (ids["session"], "present")


def test_a_session_signed_in_on_one_instance_is_signed_out_on_both(shared_apps):
    app_a, app_b = shared_apps
    ids = _committed_event(app_a, timedelta(days=5))
    on_a = app_a.test_client()
    sign_in_committed(app_a, on_a, ids["participant"])
    # The same browser (the same cookie) reaches the other instance behind the proxy.
    on_b = app_b.test_client()
    cookie = on_a.get_cookie("session")
    on_b.set_cookie("session", cookie.value)
    assert on_b.get("/me/learning").status_code == 200
    assert on_a.post("/logout").status_code == 302
    on_b.set_cookie("session", cookie.value)  # the copy taken before signing out
    assert on_b.get("/me/learning").status_code == 302


def test_beat_runs_reminders_and_outbox_retry_on_any_instance(shared_apps, monkeypatch):
    from lms import jobs
    from lms.enrollment.models import Enrollment
    from lms.extensions import celery, db
    from lms.notifications import operations as notifications
    from lms.notifications.models import OutboxEmail

    app_a, app_b = shared_apps
    schedule = celery.conf.beat_schedule
    assert schedule["send-reminders"] == {"task": "lms.periodic.send_reminders", "schedule": 3600.0}
    assert schedule["retry-outbox"] == {"task": "lms.periodic.retry_outbox", "schedule": 300.0}
    assert {"send-reminders", "retry-outbox"} <= set(jobs.BEAT_SCHEDULE)
    ids = _committed_event(app_a, timedelta(days=2))  # inside REMINDER_DAYS_BEFORE (3)

    with app_b.app_context():
        assert celery.tasks["lms.periodic.send_reminders"].apply().get() >= 1
        enrollment = db.session.get(Enrollment, ids["enrollment"])
        assert enrollment.reminded_at is not None
        kinds = db.session.scalars(select(OutboxEmail.kind).where(OutboxEmail.person_id == ids["participant"])).all()
        assert sorted(kinds) == ["enrolled", "reminder"]
        queued = db.session.scalars(select(OutboxEmail.id).where(OutboxEmail.status == "queued")).all()
    assert queued  # mail is disabled in the tests, so nothing was sent yet

    sent_to = []
    monkeypatch.setattr(notifications, "_smtp_send", lambda email: sent_to.append(email.id))
    with app_a.app_context():
        assert celery.tasks["lms.periodic.retry_outbox"].apply().get() == [len(queued), 0]
        left = db.session.scalars(select(OutboxEmail.id).where(OutboxEmail.status == "queued")).all()
    assert sorted(sent_to) == sorted(queued)
    assert left == []


def test_production_warns_when_limits_count_in_one_process(caplog):
    from lms import create_app

    with caplog.at_level(logging.WARNING):
        create_app({**_test_config(), "LMS_CONFIG": "production", "RATELIMIT_STORAGE_URI": None})
    assert "RATELIMIT_STORAGE_URI is not set" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        create_app({**_test_config(), "RATELIMIT_STORAGE_URI": None})
    assert "RATELIMIT_STORAGE_URI is not set" not in caplog.text


@pytest.mark.parametrize("hops", [0, 1])
def test_per_address_limits_see_the_client_behind_the_proxy_only_when_told(shared_apps, hops):
    from limits import parse

    from lms import create_app

    app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": shared_apps[0].config["SQLALCHEMY_DATABASE_URI"],
                      "PROXY_FIX_HOPS": hops, "RATELIMIT_ENABLED": True})
    limiter, _limit = app.extensions["certificate_ratelimit"]
    app.extensions["certificate_ratelimit"] = (limiter, parse("2/hour"))
    client = app.test_client()

    def verify(forwarded_for):
        return client.get("/api/v1/verify/NO-SUCH-CODE", headers={"X-Forwarded-For": forwarded_for},
                          environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code  # the proxy's address

    assert [verify("203.0.113.1") for _ in range(3)] == [404, 404, 429]
    # Another client behind the same proxy: its own count with one hop configured;
    # without, the header is ignored (it could be forged) and everyone is the proxy.
    assert verify("203.0.113.2") == (404 if hops else 429)
