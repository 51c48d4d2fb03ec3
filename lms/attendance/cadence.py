"""The meeting cadence a kind may require of an event (e.g. a network cycle's meetings a
year), asked through :meth:`lms.plugins.ActivityKind.cadence_per_year`: the roster, the
completion page, the dashboard's warnings and the progress API read it."""
import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select



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
    ``cadence_per_year`` requires, pro rata over its span; else None (see :func:`shortfall`)."""
    per_year = cadence_per_year(event)
    if not per_year:
        return None
    sessions = event.sessions
    programme = event.activity.programme
    return shortfall(per_year, len(sessions), sessions[0].starts_at.date() if sessions else None,
                     sessions[-1].ends_at.date() if sessions else None, programme.starts_on, programme.ends_on)


def shortfall(per_year, held, first_day, last_day, starts_on=None, ends_on=None):
    """A :class:`CadenceWarning` when ``held`` meetings fall short of ``per_year`` a year,
    pro rata over the span; else None.

    The span is the programme's period (``starts_on``..``ends_on``) when it has both
    dates, else from the event's first to its last meeting (``first_day``..``last_day``).
    Expected meetings = floor(per year x days / 365), at least 1; the meetings counted are
    the event's sessions (held or planned).
    """
    if not per_year:
        return None
    if not (starts_on and ends_on):
        if held == 0 or first_day is None:
            return CadenceWarning(per_year, per_year, 0, None, None)
        starts_on, ends_on = first_day, last_day
    days = (ends_on - starts_on).days + 1
    expected = max(1, math.floor(per_year * days / 365 + 1e-9))
    if held < expected:
        return CadenceWarning(per_year, expected, held, starts_on, ends_on)
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
