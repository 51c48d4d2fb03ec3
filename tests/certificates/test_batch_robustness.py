"""Certificate batches: progress from the database (a second worker never inflates it),
stale batches queued again after the visibility timeout, a waiting batch says so."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from certificates import operations
from certificates.models import Certificate, CertificateBatch


@pytest.fixture
def brokered(monkeypatch):
    """As with a broker: batches are handed over after commit (captured, not run)."""
    from certificates import tasks

    queued = []
    monkeypatch.setattr(operations, "_eager", lambda: False)
    monkeypatch.setattr(tasks.issue_batch, "apply_async", lambda args=None, **kw: queued.append(args[0]))
    return queued


def _queued_batch(db, make, finalized, brokered, people=4):
    event, _outcome = finalized("seminar", people=[make.person() for _ in range(people)])
    db.session.commit()
    [batch_id] = brokered
    brokered.clear()
    return event, batch_id


def test_a_second_worker_on_the_same_batch_never_double_counts(db, make, finalized, brokered):
    event, batch_id = _queued_batch(db, make, finalized, brokered)
    second = {"ran": False}

    def meanwhile(batch):
        # While the first worker is after its first certificate, the batch is queued
        # again and a second worker runs it to the end.
        if not second["ran"]:
            second["ran"] = True
            operations.run_batch(batch_id)

    batch = operations.run_batch(batch_id, progress=meanwhile)
    assert second["ran"]
    assert (batch.status, batch.total, batch.done, batch.issued, batch.failed) == ("finished", 4, 4, 4, 0)
    assert db.session.scalar(select(func.count()).select_from(Certificate).where(Certificate.event_id == event.id)) == 4


def test_batch_task_run_twice_counts_each_certificate_once(db, make, finalized, brokered):
    """The worker's task (committing each certificate) redelivered while it runs."""
    from certificates import tasks

    event, batch_id = _queued_batch(db, make, finalized, brokered, people=3)
    runs = []

    def redelivered(batch):
        if not runs:
            runs.append(batch.done)
            tasks.issue_batch.run(batch_id)

    operations.run_batch(batch_id, commit=True, progress=redelivered)  # what issue_batch runs
    batch = db.session.get(CertificateBatch, batch_id)
    db.session.refresh(batch)
    assert runs == [1] and (batch.status, batch.done, batch.total, batch.issued) == ("finished", 3, 3, 3)
    tasks.issue_batch.run(batch_id)  # once more: nothing changes
    db.session.refresh(batch)
    assert (batch.done, batch.total) == (3, 3)
    assert db.session.scalar(select(func.count()).select_from(Certificate).where(Certificate.event_id == event.id)) == 3


def test_staleness_rule_with_a_fixed_clock(db, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "CELERY_VISIBILITY_TIMEOUT", 300)
    event = make.event()
    t0 = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
    batch = CertificateBatch(event_id=event.id, key=f"stale-{event.id}", status="running", total=3,
                             created_at=t0 - timedelta(minutes=1), started_at=t0)
    db.session.add(batch)
    db.session.flush()
    assert operations.visibility_timeout() == 300
    assert not operations.is_stale(batch, now=t0 + timedelta(seconds=299))
    assert not operations.is_stale(batch, now=t0 + timedelta(seconds=300))
    assert operations.is_stale(batch, now=t0 + timedelta(seconds=301))
    assert operations.is_stale(batch, now=t0 + timedelta(seconds=200), timeout=100)
    # A failure it recorded is a sign of life.
    from certificates.models import CertificateFailure

    db.session.add(CertificateFailure(batch_id=batch.id, message="x", at=t0 + timedelta(seconds=250)))
    db.session.flush()
    assert operations.last_activity(batch) == t0 + timedelta(seconds=250)
    assert not operations.is_stale(batch, now=t0 + timedelta(seconds=301))
    assert operations.is_stale(batch, now=t0 + timedelta(seconds=551))
    # Queued and never started: counted from its creation.
    queued = CertificateBatch(event_id=event.id, key=f"stale-q-{event.id}", status="queued", created_at=t0)
    db.session.add(queued)
    db.session.flush()
    assert not operations.is_stale(queued, now=t0 + timedelta(seconds=300))
    assert operations.is_stale(queued, now=t0 + timedelta(seconds=301))
    batch.status = "finished"
    assert not operations.is_stale(batch, now=t0 + timedelta(days=9))
    assert [b.id for b in operations.requeue_stale(now=t0 + timedelta(days=9))] == [queued.id]


def test_progress_page_waits_for_a_worker_and_requeues_a_stale_batch(db, make, finalized, brokered, login):
    event, batch_id = _queued_batch(db, make, finalized, brokered, people=2)
    client = login(make.person(role="coordinator", scope=event.activity.programme))
    page = client.get(f"/certificates/batches/{batch_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Waiting for a worker…" in text and page.headers["Refresh"] == "3"
    assert brokered == []  # fresh: not queued again

    batch = db.session.get(CertificateBatch, batch_id)
    batch.status, batch.started_at = "running", datetime.now(timezone.utc) - timedelta(hours=2)
    batch.created_at = batch.started_at
    db.session.flush()
    text = client.get(f"/certificates/batches/{batch_id}").get_data(as_text=True)
    assert "Waiting for a worker…" not in text and "handed to a worker again" in text
    assert brokered == [batch_id]


def test_cli_requeues_stale_batches(app, db, make, finalized, brokered, monkeypatch):
    event, batch_id = _queued_batch(db, make, finalized, brokered, people=1)
    batch = db.session.get(CertificateBatch, batch_id)
    batch.created_at = datetime.now(timezone.utc) - timedelta(hours=1)
    db.session.commit()
    monkeypatch.setattr(operations, "_eager", lambda: True)  # no broker: it runs here
    result = app.test_cli_runner().invoke(args=["certificates", "requeue-stale"])
    assert result.exit_code == 0 and "1 stale batches queued again." in result.output
    db.session.refresh(batch)
    assert (batch.status, batch.done, batch.total) == ("finished", 1, 1)
