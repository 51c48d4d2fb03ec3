"""JSON API of the programmes area: programmes, themes, goals, organisation outcomes (API.md)."""
from sqlalchemy import select

from lms.api.core import Endpoints, get_or_404, iso, json_body, paginated, require, user
from lms.auth import policy
from lms.programmes import operations as ops
from lms.programmes.models import Goal, Programme, Theme

endpoints = Endpoints()


def programme_json(p):
    return {
        "id": p.id, "code": p.code, "name": p.name, "description": p.description,
        "starts_on": iso(p.starts_on), "ends_on": iso(p.ends_on),
        "organisation_ids": [o.id for o in p.organisations],
        "targets": [{"function_code": t.job_function.code, "planned": t.planned} for t in p.targets],
        "issuer_name": p.issuer_name, "signer_name": p.signer_name, "signer_title": p.signer_title,
    }


def theme_json(t):
    return {"id": t.id, "name": t.name}


def goal_json(g):
    return {
        "id": g.id, "programme_id": g.programme_id, "title": g.title, "unit": g.unit, "target": g.target,
        "basis": g.basis, "function_codes": [f.code for f in g.functions], "activity_ids": [a.id for a in g.activities],
    }


def outcome_json(o):
    return {"id": o.id, "goal_id": o.goal_id, "organisation_id": o.organisation_id, "evidence": o.evidence,
            "recorded_by_id": o.recorded_by_id, "recorded_at": iso(o.recorded_at), "attachment_name": o.attachment_name}


@endpoints.get("/programmes")
def list_programmes():
    require("programme.view")
    return paginated(select(Programme).order_by(Programme.code), programme_json)


@endpoints.post("/programmes")
def create_programme():
    require("programme.create")
    return programme_json(ops.save_programme(json_body())), 201


@endpoints.get("/programmes/<int:programme_id>")
def get_programme(programme_id):
    programme = get_or_404(Programme, programme_id)
    require("programme.view", programme)
    return programme_json(programme)


@endpoints.patch("/programmes/<int:programme_id>")
def update_programme(programme_id):
    programme = get_or_404(Programme, programme_id)
    require("programme.edit", programme)
    return programme_json(ops.save_programme(json_body(), programme))


@endpoints.get("/programmes/<int:programme_id>/themes")
def list_themes(programme_id):
    programme = get_or_404(Programme, programme_id)
    require("programme.view", programme)
    return paginated(select(Theme).where(Theme.programme_id == programme.id).order_by(Theme.position, Theme.id), theme_json)


@endpoints.post("/programmes/<int:programme_id>/themes")
def create_theme(programme_id):
    programme = get_or_404(Programme, programme_id)
    require("theme.edit", programme)
    return theme_json(ops.save_theme(programme, json_body())), 201


@endpoints.get("/programmes/<int:programme_id>/goals")
def list_goals(programme_id):
    programme = get_or_404(Programme, programme_id)
    require("goal.view", programme)
    return paginated(select(Goal).where(Goal.programme_id == programme.id).order_by(Goal.position, Goal.id), goal_json)


@endpoints.post("/programmes/<int:programme_id>/goals")
def create_goal(programme_id):
    programme = get_or_404(Programme, programme_id)
    require("goal.edit", programme)
    return goal_json(ops.save_goal(programme, json_body())), 201


@endpoints.get("/goals/<int:goal_id>")
def get_goal(goal_id):
    goal = get_or_404(Goal, goal_id)
    require("goal.view", goal)
    return goal_json(goal)


@endpoints.patch("/goals/<int:goal_id>")
def update_goal(goal_id):
    goal = get_or_404(Goal, goal_id)
    require("goal.edit", goal)
    return goal_json(ops.save_goal(goal.programme, json_body(), goal))


@endpoints.get("/goals/<int:goal_id>/outcomes")
def list_outcomes(goal_id):
    goal = get_or_404(Goal, goal_id)
    require("outcome.record", goal)
    limit = policy.organisation_scope(user(), goal.programme_id)
    return paginated(ops.outcomes_query(goal, limit), outcome_json)


@endpoints.post("/goals/<int:goal_id>/outcomes")
def create_outcome(goal_id):
    goal = get_or_404(Goal, goal_id)
    require("outcome.record", goal)
    data = json_body()
    org_id = data.get("organisation_id")
    # The operation refuses anything but an integer id (422), so a manager cannot slip
    # past this check with e.g. "12" for an organisation they do not manage.
    if isinstance(org_id, int) and not isinstance(org_id, bool):
        require("outcome.record", (goal, org_id))
    return outcome_json(ops.record_outcome(goal, data, user())), 201
