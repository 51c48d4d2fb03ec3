"""Action plans of workshop events. Operations flush, never commit (the request commits)."""
from flask_babel import gettext as _
from sqlalchemy import select

from lms.errors import ValidationError
from lms.extensions import db
from modules.workshops.models import ActionPlan


def has_action_plans(event):
    """True when ``event`` is an event of the workshop kind (its action plans can be kept)."""
    from modules.workshops import WorkshopKind

    return isinstance(event.activity.kind_plugin, WorkshopKind)


def action_plans(event):
    """The event's action plans, oldest first."""
    return db.session.scalars(
        select(ActionPlan).where(ActionPlan.event_id == event.id).order_by(ActionPlan.created_at, ActionPlan.id)
    ).all()


def add_action_plan(event, data, *, by):
    """Record an action plan (``what`` required; ``how``, ``who``, ``first_step``)."""
    if not has_action_plans(event):
        raise ValidationError(_("This kind of activity does not keep action plans."), code="not_supported")
    fields = {}
    clean = {}
    for name, limit in (("what", 2000), ("how", 4000), ("who", 300), ("first_step", 2000)):
        value = data.get(name)
        value = value.strip() if isinstance(value, str) else ""
        if len(value) > limit:
            fields.setdefault(name, []).append(_("At most %(n)s characters.", n=limit))
        clean[name] = value
    if not clean["what"]:
        fields.setdefault("what", []).append(_("Say what the plan is about."))
    if fields:
        raise ValidationError(_("The action plan could not be saved."), fields=fields)
    plan = ActionPlan(event=event, created_by_id=getattr(by, "id", None), **clean)
    db.session.add(plan)
    db.session.flush()
    return plan
