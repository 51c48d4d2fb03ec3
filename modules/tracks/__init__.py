"""Staff competence track: a cohort meets on a number of dated days grouped in blocks."""
import math

from flask_babel import lazy_gettext as _l
from lms.forms import FlaskForm
from wtforms import DecimalField, IntegerField, StringField
from wtforms.validators import InputRequired, NumberRange

from lms.plugins import ActivityKind, CompletionResult, raise_if, require_number
from modules._common import attended_marks, credited


class TrackSettingsForm(FlaskForm):
    days = IntegerField(_l("Days"), validators=[InputRequired(), NumberRange(min=1, max=60)], default=5)
    blocks = StringField(
        _l("Blocks of days"),
        description=_l("Days per block, separated by commas, e.g. 2, 2, 1. They must add up to the days."),
        default="2, 2, 1",
    )
    min_ratio = DecimalField(
        _l("Share of days needed to complete"),
        description=_l("From 0.01 to 1; 1 means every day."),
        places=2,
        validators=[InputRequired()],
        default=1,
    )


def _parse_blocks(value):
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        raise ValueError
    blocks = []
    for part in parts:
        if isinstance(part, bool):
            raise ValueError
        number = int(part)
        if number != float(part) or number < 1:
            raise ValueError
        blocks.append(number)
    return blocks


class TrackKind(ActivityKind):
    code = "track"
    label = _l("Competence track")
    description = _l("A cohort meets on several days in blocks (e.g. 5 days as 2+2+1); completion needs the days.")
    settings_form = TrackSettingsForm
    #: A missed day may be made up in another cohort (event) of the same track: the
    #: other cohort's trainer marks the person as a guest on that day.
    makeup_days = True

    def default_settings(self):
        return {"days": 5, "blocks": [2, 2, 1], "min_ratio": 1.0}

    def settings_from_form(self, form):
        data = super().settings_from_form(form)
        if data.get("min_ratio") is not None:
            data["min_ratio"] = float(data["min_ratio"])
        return data

    def validate_settings(self, settings):
        settings = dict(settings or {})
        errors = {}
        days = require_number(settings, "days", minimum=1, maximum=60, errors=errors)
        blocks = settings.get("blocks")
        if blocks in (None, "", []):
            blocks = [days] if days else None
        else:
            try:
                blocks = _parse_blocks(blocks)
            except (TypeError, ValueError):
                errors["blocks"] = [str(_l("Give whole numbers of days separated by commas."))]
                blocks = None
        if days and blocks is not None and sum(blocks) != days:
            errors.setdefault("blocks", []).append(
                str(_l("The blocks add up to %(sum)s days, not %(days)s.", sum=sum(blocks), days=days))
            )
        ratio = settings.get("min_ratio", 1.0)
        try:
            if isinstance(ratio, bool):
                raise ValueError
            ratio = float(ratio)
            if not 0 < ratio <= 1:
                raise ValueError
        except (TypeError, ValueError):
            errors["min_ratio"] = [str(_l("Must be more than 0 and at most 1."))]
        raise_if(errors)
        return {"days": days, "blocks": blocks, "min_ratio": ratio}

    def summary(self, settings):
        s = settings or {}
        blocks = "+".join(str(b) for b in s.get("blocks") or [])
        return [str(_l("%(days)s days in blocks of %(blocks)s", days=s.get("days", "?"), blocks=blocks))]

    def planned_sessions(self, settings):
        """One session per day of the track (e.g. 5 for 2+2+1)."""
        s = settings or {}
        try:
            return max(1, int(s.get("days") or sum(int(b) for b in s.get("blocks") or []) or 1))
        except (TypeError, ValueError):
            return 1

    @staticmethod
    def _day_number(session):
        """The session's day in its cohort: its position 1..n by start time."""
        for position, other in enumerate(session.event.sessions, start=1):
            if other.id == session.id:
                return position
        return None

    def completion(self, enrollment, marks):
        """Completed when at least ``min_ratio`` of the track's days were attended.

        A day counts when the person attended it in their own cohort, or attended the
        same day number in another cohort (event) of the same track activity (a make-up
        mark). Each day number counts once; the needed number of days is
        ``ceil(days * min_ratio)``. Hours count every attended session, make-ups included.
        """
        settings = enrollment.event.activity.settings or {}
        days = int(settings.get("days") or len(enrollment.event.sessions) or 1)
        ratio = float(settings.get("min_ratio") or 1.0)
        marks = [m for m in marks if m.session.event.activity_id == enrollment.event.activity_id]
        attended = attended_marks(marks)
        day_numbers = {self._day_number(m.session) for m in attended}
        day_numbers = {d for d in day_numbers if d is not None and d <= days}
        made_up = sorted(
            {self._day_number(m.session) for m in attended if m.session.event_id != enrollment.event_id} - {
                self._day_number(m.session) for m in attended if m.session.event_id == enrollment.event_id
            }
        )
        needed = max(1, math.ceil(days * ratio - 1e-9))
        hours, details = credited(marks)
        details.update({"days_attended": len(day_numbers), "days_needed": needed, "days_made_up": made_up})
        if len(day_numbers) < needed:
            return CompletionResult(
                False, hours,
                str(_l("Attended %(a)s of %(n)s days; %(needed)s needed.", a=len(day_numbers), n=days, needed=needed)),
                details,
            )
        return CompletionResult(True, hours, details=details)

    def certificate_lines(self, completion):
        """The track's blocks with the dates of their days, and the days attended."""
        from modules._common import attended_sessions, day_text

        enrollment = completion.enrollment
        event = enrollment.event
        settings = event.activity.settings or {}
        sessions = list(event.sessions)
        days = int(settings.get("days") or len(sessions) or 0)
        blocks = list(settings.get("blocks") or ([days] if days else []))
        lines = []
        position = 0
        for number, size in enumerate(blocks, start=1):
            dates = [day_text(s.starts_at) for s in sessions[position:position + size]]
            position += size
            if dates:
                lines.append(str(_l("Block %(n)s: %(dates)s", n=number, dates=", ".join(dates))))
        attended = {self._day_number(s) for s in attended_sessions(enrollment)
                    if s.event.activity_id == event.activity_id}
        attended = {d for d in attended if d is not None and d <= days}
        if days:
            lines.append(str(_l("Days attended: %(a)s of %(n)s", a=len(attended), n=days)))
        return lines
