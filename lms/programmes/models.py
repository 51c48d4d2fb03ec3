"""Programmes, their target groups, themes, goals and organisation outcomes."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, utcnow

GOAL_UNITS = {"persons": _l("Persons"), "organisations": _l("Organisations")}
GOAL_BASES = {"attended": _l("Attended"), "completed": _l("Completed")}

programme_organisation = Table(
    "programme_organisation",
    db.metadata,
    Column("programme_id", ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
)

goal_function = Table(
    "goal_function",
    db.metadata,
    Column("goal_id", ForeignKey("goal.id", ondelete="CASCADE"), primary_key=True),
    Column("job_function_id", ForeignKey("job_function.id", ondelete="CASCADE"), primary_key=True),
)

goal_activity = Table(
    "goal_activity",
    db.metadata,
    Column("goal_id", ForeignKey("goal.id", ondelete="CASCADE"), primary_key=True),
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
)


class Programme(db.Model):
    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    # Certificate branding (used by the certificates package).
    issuer_name: Mapped[str | None] = mapped_column(String(200))
    signer_name: Mapped[str | None] = mapped_column(String(200))
    signer_title: Mapped[str | None] = mapped_column(String(200))
    # The programme's logo on certificates (PNG or JPEG, at most 1 MB).
    logo: Mapped[bytes | None] = mapped_column(deferred=True)
    logo_mime: Mapped[str | None] = mapped_column(String(20))

    organisations = relationship("Organisation", secondary=programme_organisation, order_by="Organisation.name")
    targets = relationship("TargetGroup", back_populates="programme", cascade="all, delete-orphan")
    themes = relationship("Theme", back_populates="programme", cascade="all, delete-orphan", order_by="Theme.position")
    goals = relationship("Goal", back_populates="programme", cascade="all, delete-orphan", order_by="Goal.position")

    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="period"),
    )


class TargetGroup(db.Model):
    """Planned number of participants of one job function in a programme."""

    __tablename__ = "target_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    job_function_id: Mapped[int] = mapped_column(ForeignKey("job_function.id"))
    planned: Mapped[int] = mapped_column(default=0)

    programme = relationship("Programme", back_populates="targets")
    job_function = relationship("JobFunction")

    __table_args__ = (
        UniqueConstraint("programme_id", "job_function_id", name="uq_target_group_function"),
        CheckConstraint("planned >= 0", name="planned"),
    )


class Theme(db.Model):
    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(default=0)

    programme = relationship("Programme", back_populates="themes")


class Goal(db.Model):
    __tablename__ = "goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    key: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(20), default="persons")
    target: Mapped[int] = mapped_column(default=0)
    basis: Mapped[str] = mapped_column(String(20), default="attended")
    position: Mapped[int] = mapped_column(default=0)

    programme = relationship("Programme", back_populates="goals")
    functions = relationship("JobFunction", secondary=goal_function, order_by="JobFunction.code")
    activities = relationship("Activity", secondary=goal_activity, order_by="Activity.title")
    outcomes = relationship("OrganisationOutcome", back_populates="goal", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(unit.in_(list(GOAL_UNITS)), name="unit"),
        CheckConstraint(basis.in_(list(GOAL_BASES)), name="basis"),
        CheckConstraint("target >= 0", name="target"),
    )


class OrganisationOutcome(db.Model):
    """Evidence that an organisation reached an organisation goal."""

    __tablename__ = "organisation_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    evidence: Mapped[str] = mapped_column(Text, default="")
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment: Mapped[bytes | None]

    goal = relationship("Goal", back_populates="outcomes")
    organisation = relationship("Organisation")
    recorded_by = relationship("Person")
