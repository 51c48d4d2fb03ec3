"""Attendance pages: the trainer's roster, audit trails, self check-in and a trainer's
events."""
import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth import policy
from lms.validation import is_id
from lms.attendance import checkin as checkins, marking, rosters
from lms.attendance.cadence import cadence_warning
from lms.attendance.forms import ActionForm, CheckInForm, MakeupForm, MarkForm, choices
from lms.attendance.hours import to_hours
from lms.attendance.models import ATTENDANCE_STATUSES
from lms.catalog.models import Session
from lms.extensions import db
from lms.web import round_trip, external_url, get_or_404, paginate, require
from lms.types import utcnow

bp = Blueprint("attendance", __name__, template_folder="templates")


@bp.app_template_filter("hours")
def hours_filter(minutes):
    """Minutes shown as hours with two decimals in the user's locale."""
    return format_decimal(to_hours(minutes), format="#,##0.00")


def _roster_page(session, *, form=None, row_id=None, status=200):
    return render_template(
        "attendance/roster.html",
        session=session,
        event=session.event,
        rows=rosters.roster(session),
        statuses=ATTENDANCE_STATUSES,
        form=form or MarkForm(formdata=None),
        row_id=row_id,
        action_form=ActionForm(),
        makeup_form=_makeup_form(session),
        cadence=cadence_warning(session.event),
        locked=session.event.status == "finalized",
    ), status


def _makeup_form(session, formdata=None):
    candidates = rosters.makeup_candidates(session)
    if not candidates:
        return None
    form = MakeupForm(formdata=formdata)
    form.enrollment_id.choices = choices((e.id, f"{e.person.name} ({e.event.full_title})") for e in candidates)
    return form


@bp.route("/sessions/<int:session_id>/attendance")
@login_required
def roster(session_id):
    session = get_or_404(Session, session_id)
    require("attendance.mark", session)
    return _roster_page(session)


@bp.route("/sessions/<int:session_id>/attendance/<int:enrollment_id>", methods=["GET", "POST"])
@login_required
def mark(session_id, enrollment_id):
    from lms.enrollment.models import Enrollment

    session = get_or_404(Session, session_id)
    require("attendance.mark", session)
    if request.method == "GET":  # a reload after a refused mark: back to the roster
        return redirect(url_for(".roster", session_id=session.id, _anchor=f"row-{enrollment_id}"))
    enrollment = get_or_404(Enrollment, enrollment_id)
    form = MarkForm()
    return round_trip(
        form, lambda: marking.mark(session, enrollment, form.status.data, by=current_user,
                                      minutes=form.minutes.data, note=form.note.data, reason=form.reason.data),
        page=lambda: _roster_page(session, form=form, row_id=enrollment.id)[0],
        done=lambda _m: (None, url_for(".roster", session_id=session.id, _anchor=f"row-{enrollment.id}")))


@bp.route("/sessions/<int:session_id>/attendance/all-present", methods=["POST"])
@login_required
def mark_all_present(session_id):
    session = get_or_404(Session, session_id)
    require("attendance.mark", session)
    if not ActionForm().validate():
        abort(400)
    count = marking.mark_all_present(session, by=current_user)
    flash(_("%(n)s people marked present.", n=count) if count else _("Everyone already has a mark."), "success")
    return redirect(url_for(".roster", session_id=session.id))


@bp.route("/sessions/<int:session_id>/attendance/makeup", methods=["POST"])
@login_required
def add_makeup(session_id):
    from lms.enrollment.models import Enrollment

    session = get_or_404(Session, session_id)
    require("attendance.mark", session)
    form = _makeup_form(session, formdata=request.form)
    if form is None or not form.validate():
        abort(400)
    enrollment = get_or_404(Enrollment, form.enrollment_id.data)
    marking.mark(session, enrollment, "present", by=current_user, reason=_("Make-up day"))
    flash(_("%(name)s is marked present as a make-up day.", name=enrollment.person.name), "success")
    return redirect(url_for(".roster", session_id=session.id, _anchor=f"row-{enrollment.id}"))


@bp.route("/sessions/<int:session_id>/attendance/audit")
@login_required
def session_audit(session_id):
    session = get_or_404(Session, session_id)
    require("attendance.audit", session)
    page = paginate(marking.session_audit_query(session))
    return render_template("attendance/audit.html", page=page, session=session, person=None)


@bp.route("/people/<int:person_id>/attendance-audit")
@login_required
def person_audit(person_id):
    from lms.people.models import Person

    person = get_or_404(Person, person_id)
    require("attendance.audit", person)
    page = paginate(marking.person_audit_query(person, policy.coordinated_programme_ids(current_user)))
    return render_template("attendance/audit.html", page=page, session=None, person=person)


@bp.route("/sessions/<int:session_id>/check-in-code")
@login_required
def check_in_code(session_id):
    session = get_or_404(Session, session_id)
    require("attendance.mark", session)
    window = checkins.check_in_window(session)
    now = utcnow()
    if session.event.status in ("finalized", "cancelled") or now > window[1]:
        state = "closed"
    elif now < window[0]:
        state = "not_yet"
    else:
        state = "open"
    code = qr = url = None
    if state == "open":  # a closed check-in shows no code
        code = checkins.check_in_code(session)
        url = external_url("attendance.checkin", session=session.id, code=code)
        qr = segno.make(url, error="m").svg_inline(scale=6, title=_("QR code for check-in"))
    response = render_template(
        "attendance/check_in_code.html",
        session=session,
        state=state,
        code=code,
        qr=qr,
        url=url,
        window=window,
        expires_at=checkins.code_expires_at(),
        rows=rosters.roster(session),
    )
    headers = {"Cache-Control": "no-store"}
    if state != "closed":
        # The code rotates; reload the page every minute without needing JavaScript.
        headers["Refresh"] = "60"
    return response, 200, headers


@bp.route("/checkin", methods=["GET", "POST"])
@login_required
def checkin():
    require("attendance.checkin")
    session = None
    raw_session = request.values.get("session", "")
    if raw_session.isdecimal() and len(raw_session) <= 10 and is_id(int(raw_session)):
        session = db.session.get(Session, int(raw_session))
    if request.method == "GET":
        form = CheckInForm(formdata=None, code=request.args.get("code", ""), session=session.id if session else "")
        return render_template("attendance/checkin.html", form=form, session=session)
    form = CheckInForm()

    def done(result):
        mark, created = result
        if created:
            message = _("You are checked in to %(event)s.", event=mark.session.event.full_title)
        else:
            message = _("Your attendance is already recorded as: %(status)s.", status=mark.status_label)
        return message, url_for(".checked_in", session_id=mark.session_id)

    return round_trip(form, lambda: checkins.check_in(current_user, form.code.data, session=session),
                      page=lambda: render_template("attendance/checkin.html", form=form, session=session), done=done)


@bp.route("/checkin/done/<int:session_id>")
@login_required
def checked_in(session_id):
    require("attendance.checkin")
    session = get_or_404(Session, session_id)
    return render_template("attendance/checked_in.html", session=session)


@bp.route("/me/events")
@login_required
def my_events():
    require("trainer.events")
    when = "past" if request.args.get("when") == "past" else "upcoming"
    page = paginate(rosters.trainer_events_query(current_user, when))
    groups = {}
    for event in page.items:  # grouped by activity, in the order the events come
        groups.setdefault(event.activity_id, (event.activity, []))[1].append(event)
    return render_template(
        "attendance/my_events.html",
        today=rosters.trainer_sessions_today(current_user),
        page=page,
        groups=list(groups.values()),
        when=when,
    )
