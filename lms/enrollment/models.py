"""Enrollments: a person's place (or wait, or pending approval) in an event."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, event, CheckConstraint, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, utcnow

ENROLLMENT_STATUSES = {
    "pending_approval": _l("Waiting for approval"),
    "enrolled": _l("Enrolled"),
    "waitlisted": _l("On the waiting list"),
    "cancelled": _l("Cancelled"),
    "rejected": _l("Rejected"),
}
ACTIVE_STATUSES = ("pending_approval", "enrolled", "waitlisted")


class Enrollment(db.Model):
    __tablename__ = "enrollment"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    # First come, first served: a monotonically growing number given when waitlisted.
    waitlist_seq: Mapped[int | None] = mapped_column(BigInteger)
    # Snapshot at enrolment: reports count people as they were when they took part.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    job_function_id: Mapped[int | None] = mapped_column(ForeignKey("job_function.id"), index=True)
    # Gender as at enrolment, like function and organisation (filled from the person when
    # not given, see the before_insert hook below).
    gender: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    moved_from_id: Mapped[int | None] = mapped_column(ForeignKey("enrollment.id", ondelete="SET NULL"), index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event = relationship("Event")
    person = relationship("Person", foreign_keys=[person_id])
    organisation = relationship("Organisation")
    job_function = relationship("JobFunction")
    created_by = relationship("Person", foreign_keys=[created_by_id])
    decided_by = relationship("Person", foreign_keys=[decided_by_id])

    # Not stored: the waiting-list place :func:`lms.enrollment.operations.enrol` counted
    # when it put this enrolment on the list (None otherwise), for its answer.
    new_place = None

    __table_args__ = (
        CheckConstraint(f"status IN {tuple(ENROLLMENT_STATUSES)}", name="status"),
        Index("ix_enrollment_event_status", "event_id", "status"),
        # One active enrollment per person and event, enforced by the database.
        Index(
            "uq_enrollment_active",
            "event_id",
            "person_id",
            unique=True,
            sqlite_where=text("status IN ('pending_approval', 'enrolled', 'waitlisted')"),
            postgresql_where=text("status IN ('pending_approval', 'enrolled', 'waitlisted')"),
        ),
    )

    @property
    def status_label(self):
        return ENROLLMENT_STATUSES.get(self.status, self.status)

    def snapshot(self, person):
        """Take the person's organisation, job function and gender as they are now."""
        self.organisation_id = person.organisation_id
        self.job_function_id = person.job_function_id
        self.gender = person.gender or "unspecified"

    @property
    def active(self):
        return self.status in ACTIVE_STATUSES


class PriorCompletion(db.Model):
    """A completion done outside the system (recorded by a coordinator, with evidence).

    It satisfies prerequisites (when it names an activity) and shows on transcripts."""

    __tablename__ = "prior_completion"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    completed_on: Mapped[date]
    hours: Mapped[float | None] = mapped_column(Numeric(8, 2, asdecimal=False))
    evidence: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person = relationship("Person", foreign_keys=[person_id])
    activity = relationship("Activity")
    recorded_by = relationship("Person", foreign_keys=[recorded_by_id])


@event.listens_for(Enrollment, "before_insert")
def _snapshot_gender(mapper, connection, target):
    """Every enrolment snapshots the person's gender (counting rules, API.md)."""
    if target.gender is None:
        person = target.person
        if person is None and target.person_id is not None:
            from lms.people.models import Person

            person = db.session.get(Person, target.person_id)
        target.gender = (person.gender if person is not None else None) or "unspecified"
