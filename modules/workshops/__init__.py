"""Thematic workshop: a small cross-boundary group working on a concrete challenge.

The kind owns its action plans: the ``action_plan`` table (:mod:`.models`, created by
its own Alembic branch in ``migrations/``) and the page that records them (:mod:`.views`).
"""
import os

from flask import url_for
from flask_babel import lazy_gettext as _l

from lms.auth import policy
from lms.plugins import ActivityKind, raise_if
from modules._common import completed_by_attending, date_and_place_lines
from modules.workshops import models  # noqa: F401  (the action_plan table on the metadata)
from modules.workshops.forms import METHODS, WorkshopSettingsForm
from modules.workshops.views import bp


class WorkshopKind(ActivityKind):
    """The workshop kind: completion by attendance; action plans kept on the event."""

    code = "workshop"
    label = _l("Workshop")
    description = _l("A small group from several organisations works on a concrete challenge with experts.")
    settings_form = WorkshopSettingsForm
    blueprint = bp

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
        return completed_by_attending(enrollment, marks)

    def event_links(self, event, user):
        """The event's action plans, for its trainers, coordinators and participants."""
        if not policy.can(user, "event.workspace.view", event):
            return []
        return [(_l("Action plans"), url_for("workshops.action_plans", event_id=event.id))]

    def migrations_dir(self):
        """The workshop branch (``workshops``): the ``action_plan`` table."""
        return os.path.join(os.path.dirname(__file__), "migrations")

    def certificate_lines(self, completion):
        """The workshop's date(s), place and method."""
        event = completion.enrollment.event
        lines = date_and_place_lines(event)
        method = (event.activity.settings or {}).get("method")
        if method and method != "open" and method in METHODS:
            lines.append(str(METHODS[method]))
        return lines
