"""Coordinator/admin pages for organisations, job functions and people."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms.auth import policy
from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.people import operations as ops
from lms.people.forms import FunctionForm, ImportForm, OrganisationForm, PersonForm, RoleForm
from lms.people.models import ORGANISATION_KINDS, ROLES, JobFunction, Organisation, Person, RoleGrant
from lms.web import GoBack, back_on_error, get_or_404, paginate, require, round_trip

bp = Blueprint("people", __name__, template_folder="templates")


def _organisation_choices(empty_label):
    orgs = db.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name)).all()
    return [("", empty_label)] + [(str(i), n) for i, n in orgs]


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


# Organisations ---------------------------------------------------------------

@bp.route("/admin/organisations")
@login_required
def organisations():
    require("organisation.view")
    q, kind, region = request.args.get("q", ""), request.args.get("kind", ""), request.args.get("region", "")
    page = paginate(ops.organisations_query(q=q, kind=kind if kind in ORGANISATION_KINDS else None, region=region))
    counts = dict(db.session.execute(
        select(Person.organisation_id, func.count()).where(Person.organisation_id.in_([o.id for o in page.items])).group_by(Person.organisation_id)
    ).all())
    return render_template("people/organisations.html", page=page, q=q, kind=kind, region=region,
                           kinds=ORGANISATION_KINDS, people_counts=counts)


def _organisation_form(org=None):
    form = OrganisationForm(obj=org)
    form.parent_id.choices = [c for c in _organisation_choices(_("(none)")) if not org or c[0] != str(org.id)]
    if org is not None and request.method == "GET":
        form.parent_id.data = str(org.parent_id or "")

    def save():
        data = {"name": form.name.data, "kind": form.kind.data, "region": form.region.data,
                "parent_id": _int_or_none(form.parent_id.data)}
        return ops.save_organisation(data, org)

    return round_trip(form, save, page=lambda: render_template("people/organisation_form.html", form=form, org=org),
                      done=lambda saved: (_("Saved %(name)s.", name=saved.name), url_for("people.organisations")))


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@login_required
def new_organisation():
    require("organisation.create")
    return _organisation_form()


@bp.route("/admin/organisations/<int:org_id>", methods=["GET", "POST"])
@login_required
def edit_organisation(org_id):
    org = get_or_404(Organisation, org_id)
    require("organisation.edit", org)
    return _organisation_form(org)


@bp.route("/admin/organisations/<int:org_id>/delete", methods=["POST"])
@login_required
def delete_organisation(org_id):
    org = get_or_404(Organisation, org_id)
    require("organisation.delete", org)
    name = org.name
    with back_on_error(url_for("people.edit_organisation", org_id=org_id)):
        ops.delete_organisation(org)
    flash(_("Deleted %(name)s.", name=name), "success")
    return redirect(url_for("people.organisations"))


# Job functions ---------------------------------------------------------------

@bp.route("/admin/functions")
@login_required
def functions():
    require("function.view")
    items = db.session.scalars(select(JobFunction).order_by(JobFunction.code)).all()
    counts = dict(db.session.execute(select(Person.job_function_id, func.count()).group_by(Person.job_function_id)).all())
    return render_template("people/functions.html", functions=items, counts=counts)


@bp.route("/admin/functions/new", methods=["GET", "POST"])
@bp.route("/admin/functions/<int:fn_id>", methods=["GET", "POST"])
@login_required
def edit_function(fn_id=None):
    fn = get_or_404(JobFunction, fn_id) if fn_id else None
    require("function.edit" if fn else "function.create", fn)
    form = FunctionForm(obj=fn)
    if fn is not None:
        form.code.render_kw = {"readonly": True}
        form.code.data = fn.code
    return round_trip(
        form, lambda: ops.save_function({"name": form.name.data} if fn else {"code": form.code.data, "name": form.name.data}, fn),
        page=lambda: render_template("people/function_form.html", form=form, fn=fn),
        done=lambda _r: (_("Saved."), url_for("people.functions")))


# People ----------------------------------------------------------------------

@bp.route("/admin/people")
@login_required
def people():
    require("person.list")
    args = request.args
    page = paginate(ops.people_query(
        policy.visible_people_clause(current_user), q=args.get("q", "").strip(), organisation_id=args.get("organisation_id", type=int),
        function_code=args.get("function_code") or None, role=args.get("role") if args.get("role") in ROLES else None,
    ))
    return render_template(
        "people/people.html", page=page, args=args, roles=ROLES,
        organisations=_organisation_choices(_("All organisations")),
        functions=db.session.scalars(select(JobFunction).order_by(JobFunction.name)).all(),
    )


@bp.route("/admin/people/<int:person_id>")
@login_required
def person(person_id):
    person = get_or_404(Person, person_id)
    require("person.view", person)
    return _person_page(person)


def _person_page(person, status=200):
    role_form = RoleForm()
    _role_form_choices(role_form)
    return render_template("people/person.html", person=person, role_form=role_form), status


def _role_form_choices(form):
    from lms.programmes.models import Programme

    form.organisation_id.choices = _organisation_choices(_("(none)"))
    progs = db.session.execute(select(Programme.id, Programme.code).order_by(Programme.code)).all()
    form.programme_id.choices = [("", _("(all programmes)"))] + [(str(i), c) for i, c in progs]


def _person_form(person=None):
    form = PersonForm(obj=person)
    form.organisation_id.choices = _organisation_choices(_("(none)"))
    form.function_code.choices = [("", _("(none)"))] + [
        (f.code, f.name) for f in db.session.scalars(select(JobFunction).order_by(JobFunction.name))
    ]
    if person is not None and request.method == "GET":
        form.organisation_id.data = str(person.organisation_id or "")
        form.function_code.data = person.job_function.code if person.job_function else ""
        form.password.data = ""

    def save():
        data = {
            "email": form.email.data, "name": form.name.data,
            "organisation_id": _int_or_none(form.organisation_id.data),
            "function_code": form.function_code.data or None, "gender": form.gender.data,
            "birth_year": form.birth_year.data, "locale": form.locale.data,
            "password": form.password.data or None, "active": form.active.data,
        }
        return ops.save_person(data, person, by=current_user)

    return round_trip(form, save, page=lambda: render_template("people/person_form.html", form=form, person=person),
                      done=lambda saved: (_("Saved %(name)s.", name=saved.name), url_for("people.person", person_id=saved.id)))


@bp.route("/admin/people/new", methods=["GET", "POST"])
@login_required
def new_person():
    require("person.create")
    return _person_form()


@bp.route("/admin/people/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
def edit_person(person_id):
    person = get_or_404(Person, person_id)
    require("person.edit", person)
    return _person_form(person)


@bp.route("/admin/people/<int:person_id>/active", methods=["POST"])
@login_required
def set_active(person_id):
    person = get_or_404(Person, person_id)
    require("person.edit", person)
    active = request.form.get("active") == "1"
    try:
        with db.session.begin_nested():
            ops.set_active(person, active, by=current_user)
    except Conflict as error:
        flash(error.message, "error")
        return _person_page(person, 409)
    flash(_("%(name)s can sign in again.", name=person.name) if active else _("%(name)s is deactivated.", name=person.name), "success")
    return redirect(url_for("people.person", person_id=person.id))


@bp.route("/admin/people/<int:person_id>/roles", methods=["POST"])
@login_required
def add_role(person_id):
    person = get_or_404(Person, person_id)
    require("person.grant_role", person)
    form = RoleForm()
    _role_form_choices(form)
    back = url_for("people.person", person_id=person.id)
    if not form.validate_on_submit():
        raise GoBack([p for problems in form.errors.values() for p in problems], back, status=303)
    roles = [{"role": g.role, "programme_id": g.programme_id, "organisation_id": g.organisation_id} for g in person.roles]
    roles.append({"role": form.role.data, "organisation_id": _int_or_none(form.organisation_id.data),
                  "programme_id": _int_or_none(form.programme_id.data)})
    try:
        ops.save_person({"roles": roles}, person, by=current_user)
    except ValidationError as error:
        raise GoBack([p for problems in error.fields.values() for p in problems] or [error.message], back, status=303) from error
    flash(_("Role added."), "success")
    return redirect(back)


@bp.route("/admin/people/<int:person_id>/roles/<int:grant_id>/delete", methods=["POST"])
@login_required
def remove_role(person_id, grant_id):
    person = get_or_404(Person, person_id)
    require("person.grant_role", person)
    grant = get_or_404(RoleGrant, grant_id)
    if grant.person_id != person.id:
        return redirect(url_for("people.person", person_id=person.id))
    roles = [{"role": g.role, "programme_id": g.programme_id, "organisation_id": g.organisation_id}
             for g in person.roles if g.id != grant.id]
    try:
        with db.session.begin_nested():
            ops.save_person({"roles": roles}, person, by=current_user)
    except Conflict as error:
        flash(error.message, "error")
        return _person_page(person, 409)
    flash(_("Role removed."), "success")
    return redirect(url_for("people.person", person_id=person.id))


@bp.route("/admin/people/import", methods=["GET", "POST"])
@login_required
def import_people():
    require("person.import")
    form = ImportForm()
    rows, result = None, None
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                result = ops.import_people(form.file.data.read(10 * 1024 * 1024 + 1))
        except ValidationError as error:
            rows = error.extra.get("rows", [])
            flash(error.message, "error")
        else:
            flash(_("Imported: %(created)s created, %(updated)s updated.", **result), "success")
    status = 422 if (rows is not None or form.errors) else 200
    return render_template("people/import.html", form=form, rows=rows, result=result), status
