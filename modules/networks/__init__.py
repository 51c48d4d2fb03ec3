"""Network group: members from several organisations meet repeatedly over a cycle.

A cycle may require a cadence (meetings a year): the core checks it through
:meth:`NetworkKind.cadence_per_year`; the kind's own page lists every cycle and its
cadence (:mod:`.views`).
"""
from flask import url_for
from flask_babel import lazy_gettext as _l

from lms.auth import policy
from lms.plugins import ActivityKind, CompletionResult, raise_if, require_number
from modules._common import attended_marks, credited, own_marks
from modules.networks.forms import NetworkSettingsForm
from modules.networks.views import bp


class NetworkKind(ActivityKind):
    """The network group kind: completion by meetings attended; an optional cadence."""

    code = "network"
    label = _l("Network group")
    description = _l("Members from several organisations meet repeatedly; a cycle may require a cadence.")
    settings_form = NetworkSettingsForm
    blueprint = bp
    keeps_cadence = True

    def default_settings(self):
        return {"min_meetings": 2, "cadence_per_year": 2}

    def validate_settings(self, settings):
        settings = dict(settings or {})
        errors = {}
        min_meetings = require_number(settings, "min_meetings", minimum=1, maximum=365, errors=errors)
        cadence = settings.get("cadence_per_year")
        if cadence in (None, ""):
            cadence = 0
        else:
            cadence = require_number(settings, "cadence_per_year", minimum=0, maximum=365, errors=errors)
        raise_if(errors)
        return {"min_meetings": min_meetings, "cadence_per_year": cadence}

    def summary(self, settings):
        s = settings or {}
        lines = [str(_l("Complete by attending %(n)s meetings", n=s.get("min_meetings", "?")))]
        if s.get("cadence_per_year"):
            lines.append(str(_l("At least %(n)s meetings a year", n=s["cadence_per_year"])))
        return lines

    def planned_sessions(self, settings):
        """One session per meeting a member needs to attend."""
        try:
            return max(1, int((settings or {}).get("min_meetings") or 1))
        except (TypeError, ValueError):
            return 1

    def completion(self, enrollment, marks):
        """Completed when at least ``min_meetings`` of the cycle's meetings were attended."""
        needed = int((enrollment.event.activity.settings or {}).get("min_meetings") or 1)
        marks = own_marks(enrollment, marks)
        attended = len(attended_marks(marks))
        hours, details = credited(marks)
        details["meetings_attended"] = attended
        if attended < needed:
            return CompletionResult(
                False, hours, str(_l("Attended %(a)s of %(n)s meetings needed.", a=attended, n=needed)), details
            )
        return CompletionResult(True, hours, details=details)

    def cadence_per_year(self, settings):
        """The cycle's ``cadence_per_year`` setting (0 when none is required)."""
        try:
            return int((settings or {}).get("cadence_per_year") or 0)
        except (TypeError, ValueError):
            return 0

    def programme_links(self, programme, user):
        """The cadence page of the programme's network cycles, for coordinators."""
        if not policy.can(user, "admin.access"):
            return []
        return [(_l("All network cycles and their cadence"), url_for("networks.cadence", programme=programme.id))]

    def certificate_lines(self, completion):
        """The meetings attended, with their dates."""
        from modules._common import attended_sessions, day_text

        enrollment = completion.enrollment
        sessions = [s for s in attended_sessions(enrollment) if s.event_id == enrollment.event_id]
        total = len(enrollment.event.sessions)
        lines = [str(_l("Meetings attended: %(n)s of %(total)s", n=len(sessions), total=total))]
        if sessions:
            lines.append(", ".join(day_text(s.starts_at) for s in sessions))
        return lines
