"""The completion area's signals (lms.signals): what they carry, and that receivers are
connected per app (the certificates package connects in its init_app)."""
import pytest
from sqlalchemy import select

from lms import signals
from lms.attendance.models import Attendance
from lms.completion import operations as completion
from lms.completion.models import Completion


def _present(db, enrollment):
    for session in enrollment.event.sessions:
        db.session.add(Attendance(enrollment_id=enrollment.id, session_id=session.id, status="present"))
    db.session.flush()


@pytest.mark.usefixtures("request_context")
def test_event_finalized_carries_the_event_and_its_outcome(app, db, make, trained, enrol):
    trainer, event = trained("seminar")
    a, b = enrol(make.person(), event), enrol(make.person(), event)
    _present(db, a)
    calls = []

    def receiver(sender, **kwargs):
        calls.append((sender, kwargs))
        kwargs["outcome"].certificates.append(f"CERT-{a.id}")

    with signals.event_finalized.connected_to(receiver, sender=app):
        outcome = completion.finalize(event, by=trainer)
    [(sender, kwargs)] = calls
    assert sender is app
    assert set(kwargs) == {"event", "outcome"}
    assert kwargs["event"] is event and kwargs["outcome"] is outcome
    assert [c.enrollment_id for c in outcome.completions] == [a.id]
    assert [(e.id, reason) for e, reason in outcome.not_completed] == [(b.id, "Did not attend.")]
    # What a receiver adds is in the answer (next to the certificates receiver's code).
    assert f"CERT-{a.id}" in outcome.as_json()["certificates"]
    # Disconnected when the block ends: finalizing again does not reach it.
    completion.finalize(event, by=trainer)
    assert len(calls) == 1


@pytest.mark.usefixtures("request_context")
def test_event_finalized_is_sent_for_one_refreshed_enrollment(app, db, make, trained, enrol):
    trainer, event = trained("seminar")
    a, b = enrol(make.person(), event), enrol(make.person(), event)
    _present(db, a)
    _present(db, b)
    completion.finalize(event, by=trainer)
    calls = []
    with signals.event_finalized.connected_to(lambda sender, **kw: calls.append((sender, kw)), sender=app):
        outcome = completion.refresh_completion(b)
    [(sender, kwargs)] = calls
    assert sender is app and kwargs["event"] is event and kwargs["outcome"] is outcome
    assert [c.enrollment_id for c in kwargs["outcome"].completions] == [b.id]


@pytest.mark.usefixtures("request_context")
def test_completion_withdrawn_is_sent_before_the_completion_is_deleted(app, db, make, trained, enrol):
    trainer, event = trained("seminar")
    a, b = enrol(make.person(), event), enrol(make.person(), event)
    _present(db, a)
    _present(db, b)
    completion.finalize(event, by=trainer)
    done = {c.enrollment_id: c.id for c in db.session.scalars(select(Completion))}
    seen = []

    def receiver(sender, *, completion):
        # Still there when the receiver runs (so it can revoke what hangs on it).
        still = db.session.scalar(select(Completion.id).where(Completion.id == completion.id))
        seen.append((sender, completion.id, completion.enrollment_id, still))

    # a's mark changes to absent, b leaves the event: both completions are withdrawn.
    completion.reopen(event, by=trainer, reason="corrected the marks")
    db.session.scalar(select(Attendance).where(Attendance.enrollment_id == a.id)).status = "absent"
    b.status = "cancelled"
    db.session.flush()
    with signals.completion_withdrawn.connected_to(receiver, sender=app):
        completion.finalize(event, by=trainer)
    assert sorted(seen, key=lambda s: s[2]) == [
        (app, done[a.id], a.id, done[a.id]),
        (app, done[b.id], b.id, done[b.id]),
    ]
    assert db.session.scalars(select(Completion.id).where(Completion.id.in_(done.values()))).all() == []


@pytest.mark.usefixtures("request_context")
def test_certificate_codes_answers_are_shown_on_the_transcript(app, db, make, trained, enrol):
    from certificates import operations as certificates

    trainer, event = trained("seminar")
    person = make.person()
    a = enrol(person, event)
    _present(db, a)
    outcome = completion.finalize(event, by=trainer)
    [done] = outcome.completions
    [code] = outcome.certificates
    assert [i.certificate_code for i in completion.transcript(person).items] == [code]
    certificates.revoke(certificates.find(code), by=trainer, reason="test")
    assert [i.certificate_code for i in completion.transcript(person).items] == [None]
    asked = []

    def receiver(sender, *, completion_ids):
        asked.append((sender, completion_ids))
        return {done.id: "ELSEWHERE-1"}

    with signals.certificate_codes.connected_to(receiver, sender=app):
        items = completion.transcript(person).items
    assert asked == [(app, [done.id])]
    assert [i.certificate_code for i in items] == ["ELSEWHERE-1"]


@pytest.mark.usefixtures("request_context")
def test_receivers_are_connected_per_app_and_fire_once(app, database_url, db, make, trained, enrol, monkeypatch):
    import certificates
    from certificates import operations as certificate_ops
    from lms import create_app
    from tests.conftest import _test_config

    other = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": database_url})
    certificates.init_app(app)  # connecting again is a no-op
    pairs = [(signals.event_finalized, certificate_ops.on_event_finalized),
             (signals.completion_withdrawn, certificate_ops.on_completion_withdrawn),
             (signals.certificate_codes, certificate_ops.on_certificate_codes)]
    for signal, receiver in pairs:
        assert list(signal.receivers_for(app)) == [receiver]
        assert list(signal.receivers_for(other)) == [receiver]
        # Nothing is connected for any sender (as an import-time connection would be).
        assert not signal.has_receivers_for(object())
    # The other app's sends reach only what it connected, once.
    with other.app_context():
        assert [r for r, _value in signals.send(signals.certificate_codes, completion_ids=[])] == [
            certificate_ops.on_certificate_codes]
        other_engine = other.extensions["sqlalchemy"].engines[None]
    other_engine.dispose()

    trainer, event = trained("seminar")
    a = enrol(make.person(), event)
    _present(db, a)
    looked_up = []
    real = certificate_ops.codes_for
    monkeypatch.setattr(certificate_ops, "codes_for", lambda ids: looked_up.append(list(ids)) or real(ids))
    outcome = completion.finalize(event, by=trainer)
    [done] = outcome.completions
    assert looked_up == [[done.id]]  # the issuing receiver ran once, for this app
    assert len(outcome.certificates) == 1
