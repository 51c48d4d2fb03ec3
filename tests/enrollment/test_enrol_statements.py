"""Sign-up stays fast under load: POST /api/v1/events/<id>/enrollments writes one seat
statement, one enrolment and one outbox row, and reads little else; the email itself is
rendered by the delivery task."""
import re

WRITES = re.compile(r"^(INSERT|UPDATE|DELETE)\b", re.I)
# Sign-in (token, person), the event with its activity, its sessions and the person's checks
# (duplicate, eligibility, prerequisites), then the three writes.
MAX_STATEMENTS = 6


def _writes(q):
    return [re.match(r"^(\w+ (?:INTO )?\w+)", s).group(1) for s in q.statements if WRITES.match(s)]


def test_enrol_request_writes_one_seat_one_enrolment_one_outbox_row(db, make, api, count_queries):
    from lms.notifications.models import OutboxEmail

    event = make.event(capacity=5, sessions=2)
    person = make.person(locale="da")
    client = api(person)
    with count_queries() as q:
        r = client.post(f"/api/v1/events/{event.id}/enrollments")
    assert r.status_code == 201 and r.get_json()["status"] == "enrolled"
    # The seat is taken last (no savepoint: the insert skips a duplicate by itself), so
    # the event's row is locked only from then to the commit.
    assert _writes(q) == ["INSERT INTO enrollment", "INSERT INTO email_outbox", "UPDATE event"], str(q)
    assert q.count <= MAX_STATEMENTS, str(q)
    # Nothing of the email is rendered in the request: the row holds what to render from.
    email = db.session.query(OutboxEmail).filter_by(person_id=person.id).one()
    assert (email.kind, email.enrollment_id, email.locale, email.waitlist_position) == ("enrolled", r.get_json()["id"], "da", None)
    assert email.subject is None and email.body is None and email.attachments == []


def test_waitlisted_request_adds_only_the_place_on_the_list(db, make, api, count_queries):
    from lms.notifications.models import OutboxEmail

    event = make.event(capacity=0)
    person = make.person()
    client = api(person)
    with count_queries() as q:
        r = client.post(f"/api/v1/events/{event.id}/enrollments")
    assert r.status_code == 201 and r.get_json()["status"] == "waitlisted"
    assert r.get_json()["waitlist_position"] == 1
    # The seat statement finds none; the place is counted by the outbox row's INSERT, for the email and the answer.
    assert _writes(q) == ["INSERT INTO enrollment", "INSERT INTO email_outbox", "UPDATE event"], str(q)
    assert q.count <= MAX_STATEMENTS, str(q)
    assert db.session.query(OutboxEmail).filter_by(person_id=person.id).one().waitlist_position == 1


def test_seat_that_looked_free_but_went_meanwhile_means_the_waiting_list(db, make, request_context):
    """The event was read with a free seat; a simultaneous sign-up took it before this
    one's seat statement: the enrolment and its email become "waitlisted", place 1."""
    from sqlalchemy import select

    from lms.catalog.models import Event
    from lms.enrollment import operations as ops
    from lms.enrollment.models import Enrollment
    from lms.notifications.models import OutboxEmail

    event = make.event(capacity=1)
    first, second = make.person(), make.person()
    db.session.flush()
    assert event.seats_taken == 0
    ops.enrol(first, event)  # takes the seat in the database; ``event`` as read still shows it free
    assert event.seats_taken == 0 and db.session.scalar(select(Event.seats_taken).where(Event.id == event.id)) == 1
    enrollment = ops.enrol(second, event)
    assert (enrollment.status, enrollment.new_place) == ("waitlisted", 1) and enrollment.waitlist_seq is not None
    assert db.session.scalar(select(Event.seats_taken).where(Event.id == event.id)) == 1
    assert db.session.scalar(select(Enrollment.status).where(Enrollment.id == enrollment.id)) == "waitlisted"
    email = db.session.scalars(select(OutboxEmail).where(OutboxEmail.person_id == second.id)).one()
    assert (email.kind, email.waitlist_position) == ("waitlisted", 1)


def test_the_one_statement_checks_agree_with_the_detailed_rules(db, make, enrol, request_context):
    """The person's checks run as one statement; when it finds nothing wrong the detailed
    rules must not either, and when it finds a problem they name it."""
    from datetime import date

    from lms.completion.models import Completion
    from lms.enrollment import operations as ops
    from lms.errors import ValidationError

    teacher_fn, broker_fn = make.function("t_q"), make.function("b_q")
    programme = make.programme()
    first, second = make.activity(programme, title="Steg 1"), make.activity(programme, title="Steg 2")
    target = make.activity(programme, title="Steg 3")
    target.prerequisites = [first, second]
    target.eligible_functions = [teacher_fn]
    event, open_to_all = make.event(target), make.event(make.activity(programme))
    teacher, broker, nobody = make.person(function=teacher_fn), make.person(function=broker_fn), make.person()
    db.session.flush()

    def checks(person, event):
        # Both ways of reading them (alone, or with the event) agree.
        alone = ops.may_enrol(person, event)
        with_event = ops.event_for_enrolment(event.id, person)
        assert with_event == (event, alone)
        return alone.already, alone.eligible, alone.prerequisites_met

    def codes(person, event):
        try:
            ops.check_rules(person, event.activity)
        except ValidationError as error:
            return error.code
        return None

    assert checks(teacher, event) == (False, True, False) and codes(teacher, event) == "prerequisite_missing"
    assert checks(broker, event) == (False, False, False) and codes(broker, event) == "not_eligible"
    assert checks(nobody, event) == (False, False, False) and codes(nobody, event) == "not_eligible"
    assert checks(nobody, open_to_all) == (False, True, True)
    # One prerequisite completed here, the other before: both count.
    done = enrol(teacher, make.event(first))
    db.session.add(Completion(enrollment=done, completed_on=date(2025, 1, 1)))
    db.session.flush()
    assert checks(teacher, event) == (False, True, False)
    coordinator = make.person(role="coordinator")
    ops.record_prior(teacher, {"activity_id": second.id, "completed_on": "2025-05-01", "evidence": "Intyg"}, coordinator)
    assert checks(teacher, event) == (False, True, True) and codes(teacher, event) is None
    # The teacher's completions do not count for the broker; an active enrolment is "already", a cancelled one not.
    enrol(broker, event)
    assert checks(broker, event) == (True, False, False)
    left = enrol(nobody, open_to_all, status="cancelled")
    assert left.status == "cancelled" and checks(nobody, open_to_all)[0] is False


def test_seat_freed_after_the_event_was_read_is_taken(db, make, request_context):
    """The event was read full; a seat was given back before this sign-up's seat
    statement: the seat statement decides, the person is enrolled and told so."""
    from sqlalchemy import select, update

    from lms.catalog.models import Event
    from lms.enrollment import operations as ops
    from lms.notifications.models import OutboxEmail

    event = make.event(capacity=1)
    person = make.person()
    db.session.execute(update(Event).where(Event.id == event.id).values(seats_taken=1))
    db.session.refresh(event)
    db.session.execute(update(Event).where(Event.id == event.id).values(seats_taken=0)
                       .execution_options(synchronize_session=False))
    assert event.seats_taken == 1  # as read
    enrollment = ops.enrol(person, event)
    assert (enrollment.status, enrollment.waitlist_seq, enrollment.new_place) == ("enrolled", None, None)
    assert db.session.scalar(select(Event.seats_taken).where(Event.id == event.id)) == 1
    email = db.session.scalars(select(OutboxEmail).where(OutboxEmail.person_id == person.id)).one()
    assert (email.kind, email.waitlist_position) == ("enrolled", None)
