"""Seminar: one session with external experts, often held at several places or by video."""
from flask_babel import lazy_gettext as _l
from lms.forms import FlaskForm
from wtforms import URLField
from wtforms.validators import Optional, URL

from lms.plugins import ActivityKind, CompletionResult, raise_if
from modules._common import attended_marks, credited, own_marks


class SeminarSettingsForm(FlaskForm):
    recording_url = URLField(_l("Recorded lecture (link)"), validators=[Optional(), URL()])


class SeminarKind(ActivityKind):
    code = "seminar"
    label = _l("Seminar")
    description = _l("A lecture or panel with experts; the same seminar may be held at several places.")
    settings_form = SeminarSettingsForm

    def validate_settings(self, settings):
        settings = dict(settings or {})
        errors = {}
        url = (settings.get("recording_url") or "").strip()
        if url and not url.startswith(("http://", "https://")):
            errors["recording_url"] = [str(_l("Must be a web address starting with http:// or https://."))]
        raise_if(errors)
        return {"recording_url": url} if url else {}

    def completion(self, enrollment, marks):
        """Completed when the seminar's session was attended (present or late)."""
        marks = own_marks(enrollment, marks)
        hours, details = credited(marks)
        if not attended_marks(marks):
            return CompletionResult(False, hours, str(_l("Did not attend.")), details)
        return CompletionResult(True, hours, details=details)

    def certificate_lines(self, completion):
        """The seminar's date and place."""
        from modules._common import days_text, place_of

        event = completion.enrollment.event
        lines = [str(_l("Date: %(date)s", date=days_text(event.sessions)))] if event.sessions else []
        place = place_of(event)
        if place:
            lines.append(str(_l("Place: %(place)s", place=place)))
        return lines
