"""Attendance marks per session and their audit trail."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Index, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, utcnow

ATTENDANCE_STATUSES = {
    "present": _l("Present"),
    "late": _l("Late"),
    "absent": _l("Absent"),
    "excused": _l("Excused"),
}
ATTENDED = ("present", "late")


class Attendance(db.Model):
    """One person's mark for one session.

    Normally the session belongs to the enrollment's own event. A *make-up* mark (a
    track participant attending the same day number in another cohort of the same
    track) links the person's own enrollment to a session of the other cohort; see
    :attr:`is_makeup`.
    """

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    minutes: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrollment = relationship("Enrollment")
    session = relationship("Session")
    marked_by = relationship("Person")

    __table_args__ = (
        UniqueConstraint("enrollment_id", "session_id", name="uq_attendance_enrollment_session"),
        # The goal counts ask "does this enrollment have a present or late mark?"
        Index("ix_attendance_enrollment_status", "enrollment_id", "status"),
        CheckConstraint(f"status IN {tuple(ATTENDANCE_STATUSES)}", name="status"),
        CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes"),
    )

    @property
    def status_label(self):
        return ATTENDANCE_STATUSES.get(self.status, self.status)

    @property
    def attended(self):
        return self.status in ATTENDED

    @property
    def is_makeup(self):
        """True when the session belongs to another cohort than the enrollment's event."""
        return self.session.event_id != self.enrollment.event_id

    @property
    def is_check_in(self):
        """True when the person marked themselves (self check-in)."""
        return self.marked_by_id is not None and self.marked_by_id == self.enrollment.person_id


class AttendanceChange(db.Model):
    """The audit trail: every change of a mark, who made it, when and why."""

    __tablename__ = "attendance_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"), index=True)
    old_status: Mapped[str | None] = mapped_column(String(10))
    new_status: Mapped[str | None] = mapped_column(String(10))
    old_minutes: Mapped[int | None]
    new_minutes: Mapped[int | None]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)

    changed_by = relationship("Person")
    enrollment = relationship("Enrollment")
    session = relationship("Session")

    @property
    def old_label(self):
        return ATTENDANCE_STATUSES.get(self.old_status, self.old_status) if self.old_status else None

    @property
    def new_label(self):
        return ATTENDANCE_STATUSES.get(self.new_status, self.new_status) if self.new_status else None
