"""API: organisations, job functions, people (API.md)."""
from flask import request
from flask_babel import gettext as _

from lms.api.core import Endpoints, get_or_404, json_body, paginated, require, user
from lms.auth import policy
from lms.errors import DomainError, Forbidden
from lms.people import operations as ops
from lms.people.models import JobFunction, Person
from sqlalchemy import select

endpoints = Endpoints()


def organisation_json(o):
    return {"id": o.id, "name": o.name, "kind": o.kind, "region": o.region, "parent_id": o.parent_id}


def function_json(f):
    return {"id": f.id, "code": f.code, "name": f.name}


def person_json(p):
    return {
        "id": p.id, "email": p.email, "name": p.name, "organisation_id": p.organisation_id,
        "function_code": p.job_function.code if p.job_function else None, "gender": p.gender,
        "birth_year": p.birth_year, "locale": p.locale, "active": p.active,
        "roles": [
            {k: v for k, v in (("role", g.role), ("programme_id", g.programme_id), ("organisation_id", g.organisation_id)) if v is not None or k == "role"}
            for g in p.roles
        ],
    }


@endpoints.get("/organisations")
def list_organisations():
    require("organisation.view")
    return paginated(ops.organisations_query(q=request.args.get("q"), kind=request.args.get("kind")), organisation_json)


@endpoints.post("/organisations")
def create_organisation():
    require("organisation.create")
    return organisation_json(ops.save_organisation(json_body())), 201


@endpoints.get("/organisations/<int:org_id>")
def get_organisation(org_id):
    from lms.people.models import Organisation

    org = get_or_404(Organisation, org_id)
    require("organisation.view", org)
    return organisation_json(org)


@endpoints.patch("/organisations/<int:org_id>")
def update_organisation(org_id):
    from lms.people.models import Organisation

    org = get_or_404(Organisation, org_id)
    require("organisation.edit", org)
    return organisation_json(ops.save_organisation(json_body(), org))


@endpoints.get("/functions")
def list_functions():
    require("function.view")
    return paginated(select(JobFunction).order_by(JobFunction.code), function_json)


@endpoints.post("/functions")
def create_function():
    require("function.create")
    return function_json(ops.save_function(json_body())), 201


@endpoints.get("/people")
def list_people():
    require("person.list")
    organisation_id = request.args.get("organisation_id", type=int)
    query = ops.people_query(
        policy.visible_people_clause(user()), q=request.args.get("q"), organisation_id=organisation_id,
        function_code=request.args.get("function_code"), role=request.args.get("role"),
    )
    return paginated(query, person_json)


@endpoints.post("/people")
def create_person():
    require("person.create")
    return person_json(ops.save_person(json_body(), by=user())), 201


@endpoints.get("/people/me")
def get_me():
    return person_json(user())


@endpoints.get("/people/<int:person_id>")
def get_person(person_id):
    person = get_or_404(Person, person_id)
    if not policy.can(user(), "person.view", person):
        raise Forbidden(_("You are not allowed to do this."))
    return person_json(person)


@endpoints.patch("/people/<int:person_id>")
def update_person(person_id):
    person = get_or_404(Person, person_id)
    require("person.edit", person)
    return person_json(ops.save_person(json_body(), person, by=user()))


@endpoints.post("/people/import")
def import_people():
    require("person.import")
    if not request.data:
        raise DomainError(_("Send the CSV file as the request body (text/csv)."), code="bad_request")
    if len(request.data) > 10 * 1024 * 1024:
        from werkzeug.exceptions import RequestEntityTooLarge

        raise RequestEntityTooLarge()
    return ops.import_people(request.get_data()), 200
