from flask import Blueprint, render_template

bp = Blueprint("catalog", __name__, template_folder="templates")


@bp.route("/")
def index():
    return render_template("catalog/index.html")


@bp.route("/admin/activities")
def admin_activities():
    return render_template("catalog/index.html")
