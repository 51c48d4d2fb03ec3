"""A real Celery worker on Redis, killed (SIGKILL) in the middle of a certificate batch.

Each test starts a worker process on a queue of its own, finalizes an event of
``PEOPLE`` completions (the batch is handed over after the commit, as a request does)
and kills, once some but not all certificates exist:

- the whole worker, then starts it again: the task is acknowledged late, so the message
  the dead worker held comes back after the visibility timeout;
- only its pool process: the worker puts the task back at once (reject_on_worker_lost).

Every completion must end with exactly one valid certificate, and those issued before
the kill are kept. (Each test fails if its task option is turned off.)

Both processes share the test's committed database (a PostgreSQL database or a SQLite
file). Skipped when Redis is not running on 127.0.0.1:6379.
"""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from tests.conftest import redis_or_skip

# A Redis database of its own (the rate-limit tests use 0): the worker's broker keys,
# including kombu's shared "unacked" hash, stay away from other users of the server.
REDIS_URL = "redis://127.0.0.1:6379/11"
PEOPLE = 30
KILL_AFTER = 3  # certificates committed before the kill
VISIBILITY_TIMEOUT = 2  # seconds before the broker hands the dead worker's task out again
GIVE_UP = 120  # seconds: a guard against hanging, not a speed claim

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_broker():
    connection = redis_or_skip(REDIS_URL)
    queue = f"brobygger-test-certificates-{uuid.uuid4().hex[:10]}"
    yield queue
    # Every key, binding and worker mailbox that names this queue (the workers are named after it).
    for key in connection.scan_iter(match=f"*{queue}*"):
        connection.delete(key)
    for member in connection.zrange("_kombu.binding_deadlines", 0, -1):
        if queue.encode() in member:
            connection.zrem("_kombu.binding_deadlines", member)
    for member in connection.smembers("_kombu.binding.celery.pidbox"):
        if queue.encode() in member:
            connection.srem("_kombu.binding.celery.pidbox", member)
    connection.close()


class Worker:
    """``celery worker`` as deployed (README: the prefork pool), with one pool process,
    in a process group of its own."""

    def __init__(self, name, queue, database_url, base_url, logs):
        celery = shutil.which("celery", path=os.path.dirname(sys.executable))
        assert celery, "celery is not installed next to this Python"
        self.log = logs / f"{name}.log"
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "LMS_CONFIG": "default",
            "LMS_INSTANCE_PATH": str(logs / "instance"),
            "SECRET_KEY": "test",
            "DATABASE_URL": database_url,
            "BASE_URL": base_url,
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "MAIL_ENABLED": "0",
        }
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [celery, "-A", "lms.celery_app:celery", "worker", "--pool=prefork", "--concurrency=1",
                 "-Q", queue, "-n", f"{name}-{queue}@%h", "--loglevel=INFO",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self):
        return self.log.read_text(errors="replace")

    def alive(self):
        return self.process.poll() is None

    def pool_processes(self):
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill(self):
        """SIGKILL to the whole worker (main process and pool process, as when its machine
        or container dies): no warm shutdown, nothing acknowledged."""
        os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait(timeout=30)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # whatever is left of the group
        except ProcessLookupError:
            pass
        self.process.wait(timeout=15)


def _finalized_event(app, queue):
    """An ended seminar with PEOPLE participants marked present, finalized and committed;
    the batch is sent to ``queue`` after the commit. Returns (event_id, batch_id, task_id)."""
    from celery import Celery

    from certificates import operations, tasks
    from lms.attendance.models import Attendance
    from lms.catalog.models import Activity, Event, Session
    from lms.completion import operations as completion
    from lms.enrollment.models import Enrollment
    from lms.extensions import db
    from lms.people.models import Organisation, Person
    from lms.programmes.models import Programme

    client = Celery("brobygger-test-client", broker=REDIS_URL)
    client.conf.broker_connection_retry_on_startup = True
    sent = []

    def send(args=None, **kwargs):
        # The hand-over as production makes it (after the commit), to this test's queue.
        sent.append(client.send_task(tasks.issue_batch.name, args=args, queue=queue).id)

    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=10)
    with app.app_context(), app.test_request_context("/"), pytest.MonkeyPatch.context() as patch:
        patch.setattr(operations, "_eager", lambda: False)
        patch.setattr(tasks.issue_batch, "apply_async", send)
        try:
            organisation = Organisation(name=f"Killed worker {uuid.uuid4().hex[:6]}", kind="municipality")
            programme = Programme(code=f"KILL{uuid.uuid4().hex[:6]}", name="Killed worker")
            activity = Activity(programme=programme, kind="seminar", title="Batch under fire", settings={})
            event = Event(activity=activity, capacity=PEOPLE, status="open")
            event.sessions.append(Session(starts_at=start, ends_at=start + timedelta(hours=3)))
            db.session.add_all([organisation, programme, activity, event])
            db.session.flush()
            for i in range(PEOPLE):
                person = Person(email=f"k{uuid.uuid4().hex}@example.org", name=f"Holder {i:02d}", locale="en",
                                organisation=organisation)
                db.session.add(person)
                db.session.flush()
                enrollment = Enrollment(event=event, person=person, status="enrolled", organisation_id=organisation.id)
                db.session.add(enrollment)
                db.session.flush()
                db.session.add(Attendance(enrollment_id=enrollment.id, session_id=event.sessions[0].id,
                                          status="present"))
            outcome = completion.finalize(event, by=None)
            assert len(outcome.completions) == PEOPLE and outcome.certificates == []
            batch_id = outcome.batch_id
            db.session.commit()  # the hand-over happens here
            event_id = event.id
        finally:
            db.session.remove()
            client.close()
    assert len(sent) == 1, sent
    return event_id, batch_id, sent[0]


def _issued(app, event_id):
    """``{(id, code, completion_id)}`` of the event's certificates."""
    from certificates.models import Certificate
    from lms.extensions import db

    with app.test_request_context("/"):  # a GET: a read that never queues behind the worker's writes
        try:
            return set(tuple(row) for row in db.session.execute(select(Certificate.id, Certificate.code, Certificate.completion_id)
                                          .where(Certificate.event_id == event_id)).all())
        finally:
            db.session.remove()


def _count(app, event_id):
    from certificates.models import Certificate
    from lms.extensions import db

    with app.test_request_context("/"):  # a GET: a read that never queues behind the worker's writes
        try:
            return db.session.scalar(select(func.count()).select_from(Certificate).where(Certificate.event_id == event_id))
        finally:
            db.session.remove()


def _batch(app, batch_id):
    from certificates.models import CertificateBatch
    from lms.extensions import db

    with app.test_request_context("/"):  # a GET: a read that never queues behind the worker's writes
        try:
            batch = db.session.get(CertificateBatch, batch_id)
            return batch.status, batch.total, batch.done, batch.issued, batch.failed
        finally:
            db.session.remove()


def _wait(condition, what, workers):
    deadline = time.monotonic() + GIVE_UP
    while not condition():
        for worker in workers:
            assert worker.alive(), f"the worker died while waiting for {what}:\n{worker.output()[-4000:]}"
        assert time.monotonic() < deadline, f"still waiting for {what} after {GIVE_UP} s:\n" + "\n".join(
            w.output()[-4000:] for w in workers)
        time.sleep(0.02)


def _received(worker, task_id):
    return worker.output().count(f"certificates.issue_batch[{task_id}] received")


def test_a_worker_killed_mid_batch_loses_nothing_and_the_restarted_worker_finishes_it(
        committed_app, redis_broker, tmp_path, pdf_text):
    queue = redis_broker
    url, base_url = committed_app.config["SQLALCHEMY_DATABASE_URI"], committed_app.config["BASE_URL"]
    event_id, batch_id, task_id = _finalized_event(committed_app, queue)
    assert _batch(committed_app, batch_id)[:3] == ("queued", PEOPLE, 0)

    first = Worker("first", queue, url, base_url, tmp_path)
    second = None
    try:
        _wait(lambda: _count(committed_app, event_id) >= KILL_AFTER, f"{KILL_AFTER} certificates", [first])
        assert first.kill() == -signal.SIGKILL
        before = _issued(committed_app, event_id)
        assert KILL_AFTER <= len(before) < PEOPLE, "the kill came after the batch had finished"
        assert _batch(committed_app, batch_id)[0] == "running"
        assert _received(first, task_id) == 1

        # The dead worker's message was never acknowledged (acks_late): once the visibility
        # timeout has passed, the restarted worker takes it back on start-up.
        time.sleep(VISIBILITY_TIMEOUT + 1)
        assert _count(committed_app, event_id) == len(before)  # nothing works on it meanwhile
        second = Worker("second", queue, url, base_url, tmp_path)
        _wait(lambda: _batch(committed_app, batch_id)[0] == "finished", "the batch to finish", [second])
        assert _received(second, task_id) == 1  # the same message, delivered again
    finally:
        first.stop()
        if second is not None:
            second.stop()
    _assert_one_valid_certificate_each(committed_app, event_id, batch_id, before, pdf_text)


def test_a_pool_process_killed_mid_batch_is_run_again_by_its_worker(committed_app, redis_broker, tmp_path, pdf_text):
    """The out-of-memory killer takes the pool process, not the worker: the worker sees it
    lost and puts the task back at once (reject_on_worker_lost), and a new pool process
    finishes the batch."""
    queue = redis_broker
    url, base_url = committed_app.config["SQLALCHEMY_DATABASE_URI"], committed_app.config["BASE_URL"]
    event_id, batch_id, task_id = _finalized_event(committed_app, queue)

    worker = Worker("only", queue, url, base_url, tmp_path)
    try:
        _wait(lambda: _count(committed_app, event_id) >= KILL_AFTER, f"{KILL_AFTER} certificates", [worker])
        [pool_process] = worker.pool_processes()
        os.kill(pool_process, signal.SIGKILL)
        before = _issued(committed_app, event_id)
        assert KILL_AFTER <= len(before) < PEOPLE, "the kill came after the batch had finished"
        _wait(lambda: _batch(committed_app, batch_id)[0] == "finished", "the batch to finish", [worker])
        assert "WorkerLostError" in worker.output()
        assert _received(worker, task_id) == 2  # put back and delivered again
        assert pool_process not in worker.pool_processes()
    finally:
        worker.stop()
    _assert_one_valid_certificate_each(committed_app, event_id, batch_id, before, pdf_text)


def _assert_one_valid_certificate_each(app, event_id, batch_id, before, pdf_text):
    """Every completion of the event has exactly one certificate, valid and verifiable,
    and those committed before the kill (``before``) were kept, not issued again."""
    from certificates import operations
    from certificates.models import Certificate
    from lms.completion.models import Completion
    from lms.enrollment.models import Enrollment
    from lms.extensions import db

    assert _batch(app, batch_id) == ("finished", PEOPLE, PEOPLE, PEOPLE, 0)
    assert before <= _issued(app, event_id)
    verifier = app.test_client()
    with app.app_context(), app.test_request_context("/"):
        completions = db.session.scalars(select(Completion.id).join(Enrollment).where(
            Enrollment.event_id == event_id)).all()
        assert len(completions) == PEOPLE
        certificates = db.session.scalars(select(Certificate).where(Certificate.event_id == event_id)
                                          .options(undefer(Certificate.pdf))).all()
        # One per completion: none missing, none twice, none revoked.
        assert sorted(c.completion_id for c in certificates) == sorted(completions)
        assert len({c.code for c in certificates}) == PEOPLE
        for certificate in certificates:
            assert certificate.revoked_at is None
            assert certificate.pdf.startswith(b"%PDF-") and certificate.size == len(certificate.pdf)
            assert certificate.sha256 == hashlib.sha256(certificate.pdf).hexdigest()
            assert operations.match_upload(certificate.pdf).id == certificate.id  # the tamper check
            text = " ".join(pdf_text(certificate.pdf).split())
            assert certificate.code in text and certificate.details["holder_name"] in text
            assert operations.verify_url(certificate.code) in text  # the address the QR code holds
            answer = verifier.get(f"/api/v1/verify/{certificate.code}")
            assert answer.status_code == 200
            assert answer.get_json()["valid"] is True and answer.get_json()["sha256"] == certificate.sha256
        db.session.remove()
