"""The meeting cadence a kind may require of an event (e.g. a network cycle's meetings a
year), asked through :meth:`lms.plugins.ActivityKind.cadence_per_year`: the roster, the
completion page, the dashboard's warnings and the progress API read it."""
import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from lms.extensions import db


@dataclass
class CadenceWarning:
    """An event that plans fewer meetings than its required cadence: the figures to show."""

    required_per_year: int
    expected: int
    held: int
    starts_on: date | None
    ends_on: date | None


def cadence_per_year(event):
    """The meetings a year the event's kind requires of it (0: no requirement, or the
    kind is not installed)."""
    kind = event.activity.kind_plugin
    return int(kind.cadence_per_year(event.activity.settings or {}) or 0) if kind is not None else 0


def cadence_warning(event):
    """A :class:`CadenceWarning` when an event holds fewer meetings than its kind's
    ``cadence_per_year`` requires, pro rata over its span; else None.

    The span is the programme's period when it has both dates, else from the event's
    first to its last meeting. Expected meetings = floor(per year x days / 365), at
    least 1; the meetings counted are the event's sessions (held or planned).
    """
    per_year = cadence_per_year(event)
    if not per_year:
        return None
    sessions = event.sessions
    programme = event.activity.programme
    if programme.starts_on and programme.ends_on:
        starts_on, ends_on = programme.starts_on, programme.ends_on
    elif sessions:
        starts_on, ends_on = sessions[0].starts_at.date(), sessions[-1].ends_at.date()
    else:
        return CadenceWarning(per_year, per_year, 0, None, None)
    days = (ends_on - starts_on).days + 1
    expected = max(1, math.floor(per_year * days / 365 + 1e-9))
    if len(sessions) < expected:
        return CadenceWarning(per_year, expected, len(sessions), starts_on, ends_on)
    return None


def cadence_events_query(programme_id):
    """The programme's events (not cancelled) of kinds that keep a meeting cadence
    (:attr:`lms.plugins.ActivityKind.keeps_cadence`), by activity title; a select."""
    from lms.catalog.models import Activity, Event
    from lms.plugins import registry

    codes = [kind.code for kind in registry.all() if kind.keeps_cadence]
    return (
        select(Event).join(Activity, Activity.id == Event.activity_id)
        .where(Activity.programme_id == programme_id, Activity.kind.in_(codes or ["-"]), Event.status != "cancelled")
        .order_by(Activity.title, Event.id)
    )
