"""Seminar: one session with external experts, often held at several places or by video."""
from flask_babel import lazy_gettext as _l
from lms.forms import FlaskForm
from wtforms import URLField
from wtforms.validators import Optional, URL

from lms.plugins import ActivityKind, raise_if
from modules._common import completed_by_attending, date_and_place_lines


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
        return completed_by_attending(enrollment, marks)

    def certificate_lines(self, completion):
        """The seminar's date and place."""
        return date_and_place_lines(completion.enrollment.event)
