"""The accessibility statement (EU Web Accessibility Directive) with its feedback form."""
from datetime import date

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.about import operations
from lms.about.forms import FeedbackForm
from lms.web import require, round_trip

bp = Blueprint("about", __name__, template_folder="templates")
PREPARED = date(2026, 11, 25)


@bp.route("/accessibility", methods=["GET", "POST"])
def accessibility():
    require("catalog.browse")
    form = FeedbackForm()
    if request.method == "GET" and request.args.get("page"):
        form.page.data = request.args["page"][:500]

    def send():
        if not form.website.data:  # the honeypot field: a robot filled it in
            data = {"name": form.name.data, "email": form.email.data, "page": form.page.data, "message": form.message.data}
            operations.send_feedback(data, current_user if current_user.is_authenticated else None)

    return round_trip(
        form, send, page=lambda: render_template("about/accessibility.html", form=form, prepared=PREPARED),
        done=lambda _r: (_("Thank you. Your message has been sent to the programme's coordinators."),
                         url_for("about.accessibility", _anchor="feedback")))
