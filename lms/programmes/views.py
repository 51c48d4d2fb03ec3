from flask import Blueprint

bp = Blueprint("programmes", __name__, template_folder="templates")


@bp.route("/admin/programmes")
def index():
    return ""
