"""Organisations, job functions, people, role grants and API tokens."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, utcnow

ORGANISATION_KINDS = {
    "municipality": _l("Municipality"),
    "federation": _l("Municipal federation"),
    "agency": _l("Agency"),
    "school": _l("School"),
    "company": _l("Company"),
    "other": _l("Other"),
}
GENDERS = {
    "female": _l("Female"),
    "male": _l("Male"),
    "non_binary": _l("Non-binary"),
    "unspecified": _l("Not stated"),
}
ROLES = {
    "admin": _l("Administrator"),
    "coordinator": _l("Coordinator"),
    "manager": _l("Manager"),
    "trainer": _l("Trainer"),
}
LOCALES = {"en": "English", "sv": "Svenska", "da": "Dansk", "nb": "Norsk bokmål"}


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="municipality")
    region: Mapped[str | None] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), index=True)

    parent = relationship("Organisation", remote_side=[id], back_populates="members")
    members = relationship("Organisation", back_populates="parent", order_by="Organisation.name")

    __table_args__ = (CheckConstraint(kind.in_(list(ORGANISATION_KINDS)), name="kind"),)

    @property
    def kind_label(self):
        return ORGANISATION_KINDS.get(self.kind, self.kind)

    def __repr__(self):
        return f"<Organisation {self.id} {self.name!r}>"


class JobFunction(db.Model):
    __tablename__ = "job_function"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    def __repr__(self):
        return f"<JobFunction {self.code}>"


class Person(UserMixin, db.Model):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    job_function_id: Mapped[int | None] = mapped_column(ForeignKey("job_function.id"), index=True)
    gender: Mapped[str] = mapped_column(String(20), default="unspecified")
    birth_year: Mapped[int | None]
    locale: Mapped[str] = mapped_column(String(5), default="sv")
    timezone: Mapped[str] = mapped_column(String(60), default="Europe/Stockholm")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation = relationship("Organisation")
    job_function = relationship("JobFunction")
    roles = relationship("RoleGrant", back_populates="person", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(gender.in_(list(GENDERS)), name="gender"),
        CheckConstraint(locale.in_(list(LOCALES)), name="locale"),
    )

    @property
    def is_active(self):
        return self.active

    @property
    def gender_label(self):
        return GENDERS.get(self.gender, self.gender)

    def has_role(self, role):
        return any(g.role == role for g in self.roles)

    def __repr__(self):
        return f"<Person {self.id} {self.email}>"


class RoleGrant(db.Model):
    """A role given to a person, optionally scoped to a programme or organisation."""

    __tablename__ = "role_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))

    person = relationship("Person", back_populates="roles")
    organisation = relationship("Organisation")
    programme = relationship("Programme")

    __table_args__ = (
        CheckConstraint(role.in_(list(ROLES)), name="role"),
        UniqueConstraint("person_id", "role", "programme_id", "organisation_id", name="uq_role_grant_scope"),
    )

    @property
    def role_label(self):
        return ROLES.get(self.role, self.role)


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person = relationship("Person")


Index("ix_person_name", Person.name)
