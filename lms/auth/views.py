"""Sign in, sign out, language choice."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth import sessions, throttle
from lms.auth.forms import LanguageForm, LoginForm, PasswordChangeForm
from lms.auth.operations import authenticate, change_password
from lms.extensions import db
from lms.web import round_trip

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target):
    """Only same-site relative paths are followed after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        refused = throttle.refusal(form.email.data)
        if refused is not None:
            message, seconds = refused
            return render_template("auth/login.html", form=form, refused=message), 429, {"Retry-After": str(seconds)}
        person = authenticate(form.email.data, form.password.data)
        if person is None:
            throttle.record_failure(form.email.data)
            form.password.errors.append(_("Wrong email or password."))
        else:
            sessions.sign_in(person)
            flash(_("Welcome, %(name)s.", name=person.name), "success")
            return redirect(_safe_next(form.next.data) or url_for("catalog.index"))
    return render_template("auth/login.html", form=form), (200 if request.method == "GET" or not form.errors else 422)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    sessions.sign_out()
    flash(_("You are signed out."), "success")
    return redirect(url_for("catalog.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    return round_trip(
        form, lambda: change_password(current_user, form.current_password.data, form.new_password.data, form.confirm.data),
        page=lambda: render_template("auth/password.html", form=form),
        done=lambda _r: (_("Your password is changed. You were signed out everywhere else."), url_for("auth.password")))


@bp.route("/language", methods=["POST"])
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.flush()
    return redirect(_safe_next(form.next.data) or url_for("catalog.index"))
