"""Thematic workshop: a small cross-boundary group working on a concrete challenge."""
from flask_babel import lazy_gettext as _l
from lms.forms import FlaskForm
from wtforms import SelectField

from lms.plugins import ActivityKind, CompletionResult, raise_if
from modules._common import attended_marks, credited, own_marks

METHODS = {
    "open": _l("Open format"),
    "future_workshop": _l("Future workshop (critique, vision, action plans)"),
}


class WorkshopSettingsForm(FlaskForm):
    method = SelectField(_l("Method"), choices=[(k, v) for k, v in METHODS.items()], default="open")


class WorkshopKind(ActivityKind):
    code = "workshop"
    label = _l("Workshop")
    description = _l("A small group from several organisations works on a concrete challenge with experts.")
    settings_form = WorkshopSettingsForm
    #: The event can record action plans (what, how, who, first step).
    action_plans = True

    def default_settings(self):
        return {"method": "open"}

    def validate_settings(self, settings):
        settings = dict(settings or {})
        method = settings.get("method") or "open"
        raise_if({} if method in METHODS else {"method": [str(_l("Unknown method."))]})
        return {"method": method}

    def summary(self, settings):
        return [str(METHODS.get((settings or {}).get("method", "open"), ""))]

    def completion(self, enrollment, marks):
        """Completed when the workshop was attended (any of its sessions)."""
        marks = own_marks(enrollment, marks)
        hours, details = credited(marks)
        if not attended_marks(marks):
            return CompletionResult(False, hours, str(_l("Did not attend.")), details)
        return CompletionResult(True, hours, details=details)

    def certificate_lines(self, completion):
        """The workshop's date(s), place and method."""
        from modules._common import days_text, place_of

        event = completion.enrollment.event
        lines = [str(_l("Date: %(date)s", date=days_text(event.sessions)))] if event.sessions else []
        place = place_of(event)
        if place:
            lines.append(str(_l("Place: %(place)s", place=place)))
        method = (event.activity.settings or {}).get("method")
        if method and method != "open" and method in METHODS:
            lines.append(str(METHODS[method]))
        return lines
