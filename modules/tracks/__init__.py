"""Staff competence track: a cohort meets on a number of dated days grouped in blocks."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, StringField
from wtforms.validators import InputRequired, NumberRange

from lms.plugins import ActivityKind, CompletionResult, raise_if, require_number
from modules._common import attended_marks, hours_of


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

    def completion(self, enrollment, marks):
        """Completed when at least ``min_ratio`` of the days were attended.

        ``marks`` may include make-up marks from another cohort of the same track for
        the same day number; they count once per day number.
        """
        settings = enrollment.event.activity.settings
        days = int(settings.get("days", 1))
        ratio = float(settings.get("min_ratio", 1.0))
        attended_days = {getattr(m, "day_number", None) or m.session.id for m in attended_marks(marks)}
        hours = hours_of(marks, enrollment.event.activity.hours_per_session)
        needed = days * ratio
        if len(attended_days) + 1e-9 < needed:
            return CompletionResult(
                False, hours,
                str(_l("Attended %(a)s of %(n)s days.", a=len(attended_days), n=days)),
                {"days_attended": len(attended_days)},
            )
        return CompletionResult(True, hours, details={"days_attended": len(attended_days)})

    def certificate_lines(self, completion):
        return []
