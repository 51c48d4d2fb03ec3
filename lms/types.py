"""Column types shared by the models."""
from datetime import datetime, timezone

from sqlalchemy.types import DateTime, TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as naive UTC on every database.

    SQLite has no timezone type; storing naive UTC everywhere keeps comparisons and
    indexes identical on SQLite and PostgreSQL. Naive input is refused: it is a bug.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def utcnow():
    return datetime.now(timezone.utc)
