"""Coordinator pages: programmes, their planned numbers, themes, goals and outcomes."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms.auth import policy
from lms.downloads import download_headers
from lms.errors import ValidationError
from lms.extensions import db
from lms.people.models import JobFunction, Organisation
from lms.programmes import operations as ops
from lms.programmes.forms import GoalForm, OutcomeForm, ProgrammeFilterForm, ThemeForm, planned_field_name, programme_form
from lms.programmes.models import Goal, OrganisationOutcome, Programme, Theme
from lms.web import back_on_error, get_or_404, paginate, require, round_trip

bp = Blueprint("programmes", __name__, template_folder="templates")


@bp.route("/admin/programmes")
@login_required
def index():
    require("admin.access")
    filters = ProgrammeFilterForm(request.args)
    search = filters.q.data if filters.validate() else None
    page = paginate(ops.programmes_query(search))
    return render_template("programmes/index.html", page=page, filters=filters)


def _show(programme, theme_form=None, theme_errors=None, status=200):
    from lms.catalog.models import Activity

    activity_count = db.session.scalar(
        select(func.count()).select_from(Activity).where(Activity.programme_id == programme.id))
    return render_template(
        "programmes/show.html", programme=programme, theme_form=theme_form or ThemeForm(),
        theme_errors=theme_errors or {}, planned_total=ops.planned_total(programme), activity_count=activity_count,
        targets=sorted(programme.targets, key=lambda t: t.job_function.name.lower()),
    ), status


@bp.route("/admin/programmes/<int:programme_id>")
@login_required
def show(programme_id):
    programme = get_or_404(Programme, programme_id)
    require("programme.edit", programme)
    return _show(programme)


def _programme_form(programme=None):
    functions = db.session.scalars(select(JobFunction).order_by(JobFunction.name)).all()
    form = programme_form(functions, obj=programme)
    form.organisation_ids.choices = [(o.id, o.name) for o in db.session.scalars(select(Organisation).order_by(Organisation.name))]
    if programme is not None and request.method == "GET":
        form.organisation_ids.data = [o.id for o in programme.organisations]
        planned = {t.job_function_id: t.planned for t in programme.targets}
        for function in functions:
            form[planned_field_name(function)].data = planned.get(function.id)
    target_problems = []

    def save():
        data = {name: form[name].data for name in (
            "code", "name", "description", "starts_on", "ends_on", "issuer_name", "signer_name", "signer_title")}
        data["organisation_ids"] = form.organisation_ids.data or []
        data["targets"] = [{"function_code": f.code, "planned": form[planned_field_name(f)].data}
                           for f in functions if form[planned_field_name(f)].data is not None]
        try:
            saved = ops.save_programme(data, programme)
            upload = form.logo.data
            if form.remove_logo.data:
                ops.set_logo(saved, None)
            elif upload and upload.filename:
                ops.set_logo(saved, upload.read(ops.MAX_LOGO_BYTES + 1))
        except ValidationError as error:
            target_problems.extend(error.fields.pop("targets", []))
            raise
        return saved

    planned_fields = [(f, form[planned_field_name(f)]) for f in functions]
    return round_trip(
        form, save,
        page=lambda: render_template("programmes/form.html", form=form, programme=programme, planned_fields=planned_fields,
                                     target_problems=target_problems),
        done=lambda saved: (_("Saved %(name)s.", name=saved.name), url_for("programmes.show", programme_id=saved.id)))


@bp.route("/admin/programmes/new", methods=["GET", "POST"])
@login_required
def new():
    require("programme.create")
    return _programme_form()


@bp.route("/admin/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@login_required
def edit(programme_id):
    programme = get_or_404(Programme, programme_id)
    require("programme.edit", programme)
    return _programme_form(programme)


@bp.route("/admin/programmes/<int:programme_id>/delete", methods=["POST"])
@login_required
def delete(programme_id):
    programme = get_or_404(Programme, programme_id)
    require("programme.delete", programme)
    with back_on_error(url_for("programmes.show", programme_id=programme_id)):
        ops.delete_programme(programme)
    flash(_("Programme deleted."), "success")
    return redirect(url_for("programmes.index"))


def _to_themes(programme_id):
    return redirect(url_for("programmes.show", programme_id=programme_id) + "#themes")


@bp.route("/admin/programmes/<int:programme_id>/themes", methods=["POST"])
@login_required
def add_theme(programme_id):
    programme = get_or_404(Programme, programme_id)
    require("theme.edit", programme)
    form = ThemeForm()
    return round_trip(form, lambda: ops.save_theme(programme, {"name": form.name.data}),
                      page=lambda: _show(programme, theme_form=form)[0],
                      done=lambda _t: (_("Theme added."), _to_themes(programme.id).location))


@bp.route("/admin/themes/<int:theme_id>", methods=["POST"])
@login_required
def rename_theme(theme_id):
    theme = get_or_404(Theme, theme_id)
    require("theme.edit", theme)
    try:
        with db.session.begin_nested():
            ops.save_theme(theme.programme, {"name": request.form.get("name", "")}, theme)
    except ValidationError as error:
        return _show(theme.programme, theme_errors={theme.id: error.fields.get("name", [])}, status=422)
    flash(_("Theme renamed."), "success")
    return _to_themes(theme.programme_id)


@bp.route("/admin/themes/<int:theme_id>/move", methods=["POST"])
@login_required
def move_theme(theme_id):
    theme = get_or_404(Theme, theme_id)
    require("theme.edit", theme)
    offset = {"up": -1, "down": 1}.get(request.form.get("direction"))
    if offset is None:
        abort(400)
    ops.move_theme(theme, offset)
    return _to_themes(theme.programme_id)


@bp.route("/admin/themes/<int:theme_id>/delete", methods=["POST"])
@login_required
def delete_theme(theme_id):
    theme = get_or_404(Theme, theme_id)
    require("theme.edit", theme)
    programme_id = theme.programme_id
    ops.delete_theme(theme)
    flash(_("Theme deleted. Its activities are kept without a theme."), "success")
    return _to_themes(programme_id)


def _goal_form(programme, goal=None):
    from lms.catalog.models import Activity

    form = GoalForm(obj=goal)
    form.function_codes.choices = [(f.code, f.name) for f in db.session.scalars(select(JobFunction).order_by(JobFunction.name))]
    form.activity_ids.choices = [(a.id, a.title) for a in db.session.scalars(
        select(Activity).where(Activity.programme_id == programme.id).order_by(Activity.title))]
    if goal is not None and request.method == "GET":
        form.function_codes.data = [f.code for f in goal.functions]
        form.activity_ids.data = [a.id for a in goal.activities]

    def save():
        data = {"title": form.title.data, "unit": form.unit.data, "target": form.target.data, "basis": form.basis.data,
                "function_codes": form.function_codes.data or [], "activity_ids": form.activity_ids.data or []}
        return ops.save_goal(programme, data, goal)

    return round_trip(form, save, page=lambda: render_template("programmes/goal_form.html", form=form, programme=programme, goal=goal),
                      done=lambda _g: (_("Goal saved."), url_for("programmes.show", programme_id=programme.id) + "#goals"))


@bp.route("/admin/programmes/<int:programme_id>/goals/new", methods=["GET", "POST"])
@login_required
def new_goal(programme_id):
    programme = get_or_404(Programme, programme_id)
    require("goal.edit", programme)
    return _goal_form(programme)


@bp.route("/admin/goals/<int:goal_id>", methods=["GET", "POST"])
@login_required
def edit_goal(goal_id):
    goal = get_or_404(Goal, goal_id)
    require("goal.edit", goal)
    return _goal_form(goal.programme, goal)


@bp.route("/admin/goals/<int:goal_id>/delete", methods=["POST"])
@login_required
def delete_goal(goal_id):
    goal = get_or_404(Goal, goal_id)
    require("goal.edit", goal)
    programme_id = goal.programme_id
    ops.delete_goal(goal)
    flash(_("Goal deleted."), "success")
    return redirect(url_for("programmes.show", programme_id=programme_id) + "#goals")


@bp.route("/goals/<int:goal_id>/outcomes", methods=["GET", "POST"])
@login_required
def outcomes(goal_id):
    goal = get_or_404(Goal, goal_id)
    require("outcome.record", goal)
    # Coordinators see and record for every organisation; managers only for their own.
    managed = policy.organisation_scope(current_user, goal.programme_id)
    form = OutcomeForm()
    form.organisation_id.choices = [(o.id, o.name) for o in db.session.scalars(ops.outcome_organisations(goal.programme))
                                    if managed is None or o.id in managed]

    def record():
        require("outcome.record", (goal, form.organisation_id.data))
        upload = form.attachment.data
        attachment = (upload.filename, upload.read(ops.MAX_ATTACHMENT + 1)) if upload and upload.filename else None
        return ops.record_outcome(goal, {"organisation_id": form.organisation_id.data, "evidence": form.evidence.data},
                                  current_user, attachment)

    def page():
        return render_template("programmes/outcomes.html", goal=goal, form=form, page=paginate(ops.outcomes_query(goal, managed)),
                               coordinator=managed is None)

    if goal.unit != "organisations":
        return page()
    return round_trip(form, record, page=page,
                      done=lambda _o: (_("Outcome recorded."), url_for("programmes.outcomes", goal_id=goal.id)))


@bp.route("/outcomes/<int:outcome_id>/attachment")
@login_required
def outcome_attachment(outcome_id):
    outcome = get_or_404(OrganisationOutcome, outcome_id)
    require("outcome.record", (outcome.goal, outcome.organisation_id))
    if outcome.attachment is None:
        abort(404)
    return Response(outcome.attachment, mimetype="application/octet-stream",
                    headers=download_headers(outcome.attachment_name or "evidence"))
