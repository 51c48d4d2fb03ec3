"""Activities (of a plugin kind), their events (occurrences, cohorts, cycles) and sessions."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, utcnow

EVENT_STATUSES = {
    "draft": _l("Draft"),
    "open": _l("Open"),
    "closed": _l("Closed"),
    "finalized": _l("Finalized"),
    "cancelled": _l("Cancelled"),
}

activity_function = Table(
    "activity_function",
    db.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column("job_function_id", ForeignKey("job_function.id", ondelete="CASCADE"), primary_key=True),
)

activity_prerequisite = Table(
    "activity_prerequisite",
    db.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column("required_activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
)

event_trainer = Table(
    "event_trainer",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Activity(db.Model):
    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="SET NULL"), index=True)
    # Hours credited per attended session; NULL = the session's length.
    hours_per_session: Mapped[float | None] = mapped_column(Numeric(6, 2, asdecimal=False))
    requires_approval: Mapped[bool] = mapped_column(default=False)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme = relationship("Programme")
    theme = relationship("Theme")
    eligible_functions = relationship("JobFunction", secondary=activity_function, order_by="JobFunction.code")
    prerequisites = relationship(
        "Activity",
        secondary=activity_prerequisite,
        primaryjoin=id == activity_prerequisite.c.activity_id,
        secondaryjoin=id == activity_prerequisite.c.required_activity_id,
        order_by="Activity.title",
    )
    events = relationship("Event", back_populates="activity", cascade="all, delete-orphan", order_by="Event.id")

    @property
    def kind_plugin(self):
        """The installed ActivityKind, or None when the kind is not installed."""
        from lms.plugins import registry

        return registry.find(self.kind)


class Event(db.Model):
    """One occurrence, cohort or cycle of an activity."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    capacity: Mapped[int] = mapped_column(default=20)
    # Enrolled seats, kept by a conditional UPDATE so the limit holds under concurrency.
    seats_taken: Mapped[int] = mapped_column(default=0)
    place: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    enrol_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enrol_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    activity = relationship("Activity", back_populates="events")
    trainers = relationship("Person", secondary=event_trainer, order_by="Person.name")
    sessions = relationship(
        "Session", back_populates="event", cascade="all, delete-orphan", order_by="Session.starts_at"
    )

    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity"),
        CheckConstraint("seats_taken >= 0", name="seats_taken"),
        CheckConstraint(status.in_(list(EVENT_STATUSES)), name="status"),
    )

    @property
    def display_title(self):
        return self.title or self.activity.title

    @property
    def full_title(self):
        """The event named by its activity: "Omvärldsanalys, Örebro" (the activity's
        title, then the event's own title or, without one, its place)."""
        activity = self.activity.title if self.activity is not None else ""
        own = (self.title or "").strip() or (self.place or "").strip()
        if not own or own == activity:
            return activity
        if not activity:
            return own
        return f"{activity}, {own}"

    @property
    def ends_in_future(self):
        """True while the last session has not ended (finalize waits for it)."""
        end = self.ends_at
        return end is not None and end > utcnow()

    @property
    def status_label(self):
        return EVENT_STATUSES.get(self.status, self.status)

    @property
    def starts_at(self):
        return self.sessions[0].starts_at if self.sessions else None

    @property
    def ends_at(self):
        return self.sessions[-1].ends_at if self.sessions else None


class Session(db.Model):
    """One dated meeting of an event."""

    __tablename__ = "session"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(300))

    event = relationship("Event", back_populates="sessions")

    __table_args__ = (CheckConstraint("ends_at > starts_at", name="order"),)

    @property
    def hours(self):
        return round((self.ends_at - self.starts_at).total_seconds() / 3600, 2)
