from flask import Blueprint

bp = Blueprint("people", __name__, template_folder="templates")


@bp.route("/admin/organisations")
def organisations():
    return ""


@bp.route("/admin/people")
def people():
    return ""


@bp.route("/admin/functions")
def functions():
    return ""
