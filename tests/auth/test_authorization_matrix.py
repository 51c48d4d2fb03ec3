"""The authorization matrix: every HTML route and every API operation, asked by each role.

The world: programme P (organisation A) and programme Q (organisation B). "this" roles
belong to P's side (the staff member enrolled in P's event, its trainer, A's manager, P's
coordinator); "other" roles to Q's side. Each request runs inside a savepoint that is
rolled back, so every role meets the same state.

A request is *allowed* when the policy let it through (any answer but 401, 403, 404 or a
redirect to the sign-in page; a 400/409/422 means the access check passed and the input
or state was then refused). A route in the app that has no row here fails the test, so a
new route cannot ship without deciding who may use it.
"""
from datetime import datetime, timedelta, timezone

import pytest

ANON, STAFF, STAFF_X, TRAINER, TRAINER_X = "anonymous", "staff", "staff_other", "trainer", "trainer_other"
MANAGER, MANAGER_X, COORD, COORD_X, ADMIN = "manager", "manager_other", "coordinator", "coordinator_other", "admin"
ROLES = (ANON, STAFF, STAFF_X, TRAINER, TRAINER_X, MANAGER, MANAGER_X, COORD, COORD_X, ADMIN)

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANON}
ADMINS = frozenset({ADMIN})
COORDS = frozenset({COORD, ADMIN})                       # coordinators of P (and admins)
ANY_COORD = frozenset({COORD, COORD_X, ADMIN})           # pages that then list the coordinator's own rows
TRAINS = frozenset({TRAINER}) | COORDS                   # the event's trainers and P's coordinators
MANAGES = frozenset({MANAGER}) | COORDS
NOBODY = frozenset()

# (method, url, allowed, json or form body). Urls name objects of the world: see ``world``.
HTML = {
    "catalog.index": [("GET", "/", EVERYONE)],
    "catalog.activity": [("GET", "/activities/{activity}", EVERYONE)],     # the public catalogue
    "catalog.event": [("GET", "/events/{event}", EVERYONE)],
    "catalog.admin_activities": [("GET", "/admin/activities", ANY_COORD)],
    "catalog.admin_activity": [("GET", "/admin/activities/{activity}", COORDS)],
    "catalog.delete_activity": [("POST", "/admin/activities/{activity}/delete", COORDS)],
    "catalog.edit_activity": [("GET", "/admin/activities/{activity}/edit", COORDS),
                              ("POST", "/admin/activities/{activity}/edit", COORDS)],
    "catalog.new_event": [("GET", "/admin/activities/{activity}/events/new", COORDS),
                          ("POST", "/admin/activities/{activity}/events/new", COORDS)],
    "catalog.choose_kind": [("GET", "/admin/activities/new", ANY_COORD)],
    "catalog.new_activity": [("GET", "/admin/programmes/{programme}/activities/new/seminar", COORDS),
                             ("POST", "/admin/programmes/{programme}/activities/new/seminar", COORDS)],
    "catalog.edit_event": [("GET", "/admin/events/{event}", COORDS), ("POST", "/admin/events/{event}", COORDS)],
    "catalog.delete_event": [("POST", "/admin/events/{event}/delete", COORDS)],
    "people.functions": [("GET", "/admin/functions", ANY_COORD)],
    "people.edit_function": [("GET", "/admin/functions/{function}", ADMINS), ("POST", "/admin/functions/{function}", ADMINS),
                             ("GET", "/admin/functions/new", ADMINS), ("POST", "/admin/functions/new", ADMINS)],
    "people.organisations": [("GET", "/admin/organisations", SIGNED_IN)],
    "people.edit_organisation": [("GET", "/admin/organisations/{org}", ADMINS), ("POST", "/admin/organisations/{org}", ADMINS)],
    "people.delete_organisation": [("POST", "/admin/organisations/{org}/delete", ADMINS)],
    "people.new_organisation": [("GET", "/admin/organisations/new", ADMINS), ("POST", "/admin/organisations/new", ADMINS)],
    "people.people": [("GET", "/admin/people", ANY_COORD | {MANAGER, MANAGER_X})],
    "people.person": [("GET", "/admin/people/{person}", {STAFF} | MANAGES)],
    "people.set_active": [("POST", "/admin/people/{person}/active", ADMINS)],
    "people.edit_person": [("GET", "/admin/people/{person}/edit", ADMINS), ("POST", "/admin/people/{person}/edit", ADMINS)],
    "people.add_role": [("POST", "/admin/people/{person}/roles", ADMINS)],
    "people.remove_role": [("POST", "/admin/people/{trainer_person}/roles/{grant}/delete", ADMINS)],
    "people.import_people": [("GET", "/admin/people/import", ADMINS), ("POST", "/admin/people/import", ADMINS)],
    "people.new_person": [("GET", "/admin/people/new", ADMINS), ("POST", "/admin/people/new", ADMINS)],
    "programmes.index": [("GET", "/admin/programmes", ANY_COORD)],
    "programmes.show": [("GET", "/admin/programmes/{programme}", COORDS)],
    "programmes.delete": [("POST", "/admin/programmes/{programme}/delete", ADMINS)],
    "programmes.edit": [("GET", "/admin/programmes/{programme}/edit", COORDS), ("POST", "/admin/programmes/{programme}/edit", COORDS)],
    "programmes.new_goal": [("GET", "/admin/programmes/{programme}/goals/new", COORDS),
                            ("POST", "/admin/programmes/{programme}/goals/new", COORDS)],
    "programmes.add_theme": [("POST", "/admin/programmes/{programme}/themes", COORDS)],
    "programmes.new": [("GET", "/admin/programmes/new", ADMINS), ("POST", "/admin/programmes/new", ADMINS)],
    "programmes.rename_theme": [("POST", "/admin/themes/{theme}", COORDS)],
    "programmes.delete_theme": [("POST", "/admin/themes/{theme}/delete", COORDS)],
    "programmes.move_theme": [("POST", "/admin/themes/{theme}/move", COORDS)],
    "programmes.edit_goal": [("GET", "/admin/goals/{goal}", COORDS), ("POST", "/admin/goals/{goal}", COORDS)],
    "programmes.delete_goal": [("POST", "/admin/goals/{goal}/delete", COORDS)],
    "programmes.outcomes": [("GET", "/goals/{org_goal}/outcomes", MANAGES | {MANAGER_X}),
                            ("POST", "/goals/{org_goal}/outcomes", MANAGES, {"organisation_id": "{org}", "evidence": "x"})],
    "programmes.outcome_attachment": [("GET", "/outcomes/{outcome}/attachment", MANAGES)],
    "networks.cadence": [("GET", "/admin/network-cadence", ANY_COORD)],
    "attendance.checkin": [("GET", "/checkin", SIGNED_IN), ("POST", "/checkin", SIGNED_IN)],
    "attendance.checked_in": [("GET", "/checkin/done/{session}", SIGNED_IN)],
    "workshops.action_plans": [("GET", "/events/{event}/action-plans", {STAFF} | TRAINS),
                               ("POST", "/events/{event}/action-plans", TRAINS)],
    "attendance.my_events": [("GET", "/me/events", SIGNED_IN)],
    "attendance.person_audit": [("GET", "/people/{person}/attendance-audit", COORDS)],
    "attendance.roster": [("GET", "/sessions/{session}/attendance", TRAINS)],
    "attendance.mark": [("POST", "/sessions/{session}/attendance/{enrollment}", TRAINS, {"status": "late"}),
                        ("GET", "/sessions/{session}/attendance/{enrollment}", TRAINS)],
    "attendance.mark_all_present": [("POST", "/sessions/{session}/attendance/all-present", TRAINS)],
    "attendance.session_audit": [("GET", "/sessions/{session}/attendance/audit", COORDS)],
    "attendance.add_makeup": [("POST", "/sessions/{session}/attendance/makeup", TRAINS)],
    "attendance.check_in_code": [("GET", "/sessions/{session}/check-in-code", TRAINS)],
    "about.accessibility": [("GET", "/accessibility", EVERYONE), ("POST", "/accessibility", EVERYONE, {"message": "Hard to read"})],
    "auth.language": [("POST", "/language", EVERYONE, {"locale": "sv"})],
    "auth.login": [("GET", "/login", EVERYONE), ("POST", "/login", EVERYONE)],
    "auth.logout": [("POST", "/logout", SIGNED_IN)],
    "auth.password": [("GET", "/account/password", SIGNED_IN), ("POST", "/account/password", SIGNED_IN)],
    "certificates.show": [("GET", "/certificates/{cert}", {STAFF} | MANAGES)],
    "certificates.download": [("GET", "/certificates/{cert}.pdf", {STAFF} | MANAGES)],
    "certificates.reissue": [("GET", "/certificates/{cert}/reissue", COORDS), ("POST", "/certificates/{cert}/reissue", COORDS)],
    "certificates.revoke": [("GET", "/certificates/{cert}/revoke", COORDS), ("POST", "/certificates/{cert}/revoke", COORDS)],
    "certificates.batch": [("GET", "/certificates/batches/{batch}", TRAINS)],        # progress: trainers too
    "certificates.manage": [("GET", "/manager/certificates", ANY_COORD | {MANAGER, MANAGER_X})],
    "certificates.manage_zip": [("POST", "/manager/certificates.zip", ANY_COORD | {MANAGER, MANAGER_X})],
    "certificates.mine": [("GET", "/me/certificates", SIGNED_IN)],
    "certificates.event_certificates": [("GET", "/events/{done_event}/certificates", TRAINS)],  # trainers read-only
    "certificates.issue_event": [("POST", "/events/{done_event}/certificates/issue", COORDS),
                                 ("GET", "/events/{done_event}/certificates/issue", COORDS)],
    "certificates.verify_index": [("GET", "/verify", EVERYONE)],
    "certificates.verify_upload": [("POST", "/verify", EVERYONE)],
    "certificates.verify": [("GET", "/verify/{cert}", EVERYONE)],
    "completion.event_completion": [("GET", "/events/{event}/completion", TRAINS)],
    "completion.finalize": [("GET", "/events/{event}/finalize", TRAINS), ("POST", "/events/{event}/finalize", TRAINS)],
    "completion.reopen": [("POST", "/events/{done_event}/reopen", COORDS, {"reason": "Correction"}),
                          ("GET", "/events/{done_event}/reopen", COORDS)],
    "completion.transcript": [("GET", "/people/{person}/transcript", {STAFF} | MANAGES)],
    "completion.transcript_print": [("GET", "/people/{person}/transcript/print", {STAFF} | MANAGES)],
    "completion.my_transcript": [("GET", "/me/transcript", SIGNED_IN)],
    "enrollment.cancel": [("POST", "/enrollments/{enrollment}/cancel", {STAFF} | MANAGES)],
    "enrollment.decide": [("POST", "/enrollments/{enrollment}/decide", MANAGES, {"decision": "approve"})],
    "enrollment.move": [("POST", "/enrollments/{enrollment}/move", COORDS, {"event_id": "{event2}"})],
    "enrollment.capacity": [("POST", "/events/{event}/capacity", COORDS, {"capacity": "30"}),
                            ("GET", "/events/{event}/capacity", COORDS)],
    "enrollment.enrol": [("POST", "/events/{event2}/enrol", SIGNED_IN)],
    "enrollment.promote": [("POST", "/events/{event}/promote", COORDS)],
    "enrollment.roster": [("GET", "/events/{event}/roster", TRAINS | {MANAGER, MANAGER_X})],
    "enrollment.enrol_person": [("POST", "/events/{event2}/roster/enrol", COORDS | {MANAGER_X},
                                 {"person_id": "{staff_other2}"})],
    "enrollment.approvals": [("GET", "/manager/approvals", ANY_COORD | {MANAGER, MANAGER_X}),
                             ("POST", "/manager/approvals", {MANAGER} | COORDS, {"person_id": "{staff}", "event_id": "{event2}"})],
    "enrollment.my_learning": [("GET", "/me/learning", SIGNED_IN)],
    "enrollment.prior": [("GET", "/people/{person}/prior", COORDS),
                         ("POST", "/people/{person}/prior", COORDS,
                          {"activity_id": "{activity}", "completed_on": "2025-01-01", "evidence": "x"})],
    "notifications.feed": [("GET", "/calendar/{feed}.ics", EVERYONE)],
    "notifications.my_calendar": [("GET", "/me/calendar", SIGNED_IN), ("POST", "/me/calendar", SIGNED_IN)],
    "notifications.event_calendar": [("GET", "/events/{event}/calendar.ics", EVERYONE)],
    "reports.manager": [("GET", "/manager", {MANAGER, MANAGER_X})],
    "reports.dashboard": [("GET", "/programmes/{programme}/dashboard", COORDS | {MANAGER, MANAGER_X})],
    "reports.export": [("GET", "/programmes/{programme}/export/participation.csv", COORDS | {MANAGER, MANAGER_X})],
    "reports.start_export": [("POST", "/programmes/{programme}/exports", COORDS | {MANAGER, MANAGER_X},
                              {"table": "goals", "format": "csv"})],
    # An export job is its creator's only (P's coordinator made one, A's manager a certificate zip).
    "reports.export_job": [("GET", "/exports/{export_job}", {COORD}), ("GET", "/exports/{zip_job}", {MANAGER})],
    "reports.export_download": [("GET", "/exports/{export_job}/download", {COORD}),
                                ("GET", "/exports/{zip_job}/download", {MANAGER})],
}

API = {
    "api.openapi": [("GET", "/openapi.json", EVERYONE)],
    "api.create_token": [("POST", "/auth/token", EVERYONE, {"email": "{staff_email}", "password": "password123"})],
    "api.delete_token": [("DELETE", "/auth/token", SIGNED_IN)],
    "api.list_activities": [("GET", "/activities", SIGNED_IN)],
    "api.create_activity": [("POST", "/activities", COORDS, {"programme_id": "{programme}", "kind": "seminar", "title": "New"})],
    "api.get_activity": [("GET", "/activities/{activity}", SIGNED_IN)],
    "api.update_activity": [("PATCH", "/activities/{activity}", COORDS, {"title": "Renamed"})],
    "api.list_events": [("GET", "/activities/{activity}/events", SIGNED_IN)],
    "api.create_event": [("POST", "/activities/{activity}/events", COORDS, {"capacity": 5})],
    "api.certificates": [("GET", "/certificates", SIGNED_IN)],
    "api.certificate": [("GET", "/certificates/{cert}", {STAFF} | MANAGES)],
    "api.certificate_pdf": [("GET", "/certificates/{cert}.pdf", {STAFF} | MANAGES)],
    "api.reissue_certificate": [("POST", "/certificates/{cert}/reissue", COORDS, {"reason": "Name"})],
    "api.revoke_certificate": [("POST", "/certificates/{cert}/revoke", COORDS, {"reason": "Wrong"})],
    "api.get_enrollment": [("GET", "/enrollments/{enrollment}", {STAFF} | TRAINS | {MANAGER})],
    "api.approve_enrollment": [("POST", "/enrollments/{enrollment}/approve", MANAGES)],
    "api.cancel_enrollment": [("POST", "/enrollments/{enrollment}/cancel", {STAFF} | MANAGES)],
    "api.move_enrollment": [("POST", "/enrollments/{enrollment}/move", COORDS, {"event_id": "{event2}"})],
    "api.reject_enrollment": [("POST", "/enrollments/{enrollment}/reject", MANAGES, {"reason": "No"})],
    "api.get_event": [("GET", "/events/{event}", SIGNED_IN)],
    "api.update_event": [("PATCH", "/events/{event}", COORDS, {"capacity": 25})],
    "api.create_enrollment": [("POST", "/events/{event2}/enrollments", COORDS | {MANAGER_X}, {"person_id": "{staff_other2}"})],
    "api.list_enrollments": [("GET", "/events/{event}/enrollments", TRAINS | {MANAGER, MANAGER_X})],
    "api.finalize_event": [("POST", "/events/{event}/finalize", TRAINS)],
    "api.reopen_event": [("POST", "/events/{done_event}/reopen", COORDS, {"reason": "Correction"})],
    "api.list_functions": [("GET", "/functions", ANY_COORD)],
    "api.create_function": [("POST", "/functions", ADMINS, {"code": "new_fn", "name": "New"})],
    "api.get_goal": [("GET", "/goals/{goal}", COORDS)],
    "api.update_goal": [("PATCH", "/goals/{goal}", COORDS, {"target": 12})],
    "api.list_outcomes": [("GET", "/goals/{org_goal}/outcomes", MANAGES | {MANAGER_X})],
    "api.create_outcome": [("POST", "/goals/{org_goal}/outcomes", MANAGES, {"organisation_id": "{org}", "evidence": "x"})],
    "api.list_organisations": [("GET", "/organisations", SIGNED_IN)],
    "api.create_organisation": [("POST", "/organisations", ADMINS, {"name": "New org", "kind": "school"})],
    "api.get_organisation": [("GET", "/organisations/{org}", SIGNED_IN)],
    "api.update_organisation": [("PATCH", "/organisations/{org}", ADMINS, {"region": "Dalarna"})],
    "api.list_people": [("GET", "/people", ANY_COORD | {MANAGER, MANAGER_X})],
    "api.create_person": [("POST", "/people", ADMINS, {"email": "new.person@example.org", "name": "New"})],
    "api.get_person": [("GET", "/people/{person}", {STAFF} | MANAGES)],
    "api.update_person": [("PATCH", "/people/{person}", ADMINS, {"name": "Renamed"})],
    "api.list_prior_completions": [("GET", "/people/{person}/prior-completions", {STAFF} | MANAGES)],
    "api.create_prior_completion": [("POST", "/people/{person}/prior-completions", COORDS,
                                     {"activity_id": "{activity}", "completed_on": "2025-01-01", "evidence": "x"})],
    "api.person_transcript": [("GET", "/people/{person}/transcript", {STAFF} | MANAGES)],
    "api.import_people": [("POST", "/people/import", ADMINS)],
    "api.get_me": [("GET", "/people/me", SIGNED_IN)],
    "api.list_programmes": [("GET", "/programmes", SIGNED_IN)],
    "api.create_programme": [("POST", "/programmes", ADMINS, {"code": "NEW", "name": "New"})],
    "api.get_programme": [("GET", "/programmes/{programme}", SIGNED_IN)],
    "api.update_programme": [("PATCH", "/programmes/{programme}", COORDS, {"name": "Renamed"})],
    "api.list_goals": [("GET", "/programmes/{programme}/goals", COORDS)],
    "api.create_goal": [("POST", "/programmes/{programme}/goals", COORDS, {"title": "G", "unit": "persons", "target": 3})],
    "api.goals_csv": [("GET", "/programmes/{programme}/goals.csv", COORDS | {MANAGER, MANAGER_X})],
    "api.goals_xlsx": [("GET", "/programmes/{programme}/goals.xlsx", COORDS | {MANAGER, MANAGER_X})],
    "api.programme_progress": [("GET", "/programmes/{programme}/progress", COORDS | {MANAGER, MANAGER_X})],
    "api.report_csv": [("GET", "/programmes/{programme}/report.csv", COORDS | {MANAGER, MANAGER_X})],
    "api.report_xlsx": [("GET", "/programmes/{programme}/report.xlsx", COORDS | {MANAGER, MANAGER_X})],
    "api.start_export": [("POST", "/programmes/{programme}/exports", COORDS | {MANAGER, MANAGER_X},
                          {"table": "participation", "format": "xlsx"})],
    "api.export_status": [("GET", "/exports/{export_job}", {COORD}), ("GET", "/exports/{zip_job}", {MANAGER})],
    "api.export_download": [("GET", "/exports/{export_job}/download", {COORD}),
                            ("GET", "/exports/{zip_job}/download", {MANAGER})],
    "api.list_themes": [("GET", "/programmes/{programme}/themes", SIGNED_IN)],
    "api.create_theme": [("POST", "/programmes/{programme}/themes", COORDS, {"name": "New theme"})],
    "api.session_attendance": [("GET", "/sessions/{session}/attendance", TRAINS)],
    "api.put_session_attendance": [("PUT", "/sessions/{session}/attendance", TRAINS,
                                    [{"enrollment_id": "{enrollment}", "status": "late"}])],
    "api.verify": [("GET", "/verify/{cert}", EVERYONE)],
}


def _fill(value, ids):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.fixture
def world(db, make, enrol):
    from lms.attendance.models import Attendance
    from lms.completion import operations as completion
    from lms.notifications.operations import create_calendar_token
    from lms.programmes.models import Goal, OrganisationOutcome, Theme
    from certificates.models import Certificate, CertificateBatch

    org_a, org_b = make.organisation(), make.organisation()
    p, q = make.programme(), make.programme()
    p.organisations.append(org_a)
    q.organisations.append(org_b)
    people = {
        STAFF: make.person(organisation=org_a), STAFF_X: make.person(organisation=org_b),
        TRAINER: make.person(role="trainer", organisation=org_a), TRAINER_X: make.person(role="trainer", organisation=org_b),
        MANAGER: make.person(role="manager", organisation=org_a), MANAGER_X: make.person(role="manager", organisation=org_b),
        COORD: make.person(role="coordinator", scope=p), COORD_X: make.person(role="coordinator", scope=q),
        ADMIN: make.person(role="admin"),
    }
    yesterday = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    activity = make.activity(programme=p, kind="workshop")
    event = make.event(activity, start=yesterday)
    event2 = make.event(activity, start=yesterday + timedelta(days=30))
    done_event = make.event(activity, start=yesterday - timedelta(days=10))
    other_activity = make.activity(programme=q, kind="workshop")
    other_event = make.event(other_activity, start=yesterday)
    for e, trainer in ((event, TRAINER), (event2, TRAINER), (done_event, TRAINER), (other_event, TRAINER_X)):
        e.trainers.append(people[trainer])
    enrollment = enrol(people[STAFF], event)
    enrol(people[STAFF_X], other_event)
    db.session.add(Attendance(enrollment_id=enrollment.id, session_id=event.sessions[0].id, status="present"))
    done = enrol(people[STAFF], done_event)
    db.session.add(Attendance(enrollment_id=done.id, session_id=done_event.sessions[0].id, status="present"))
    db.session.flush()
    completion.finalize(done_event, by=people[TRAINER])
    certificate = db.session.query(Certificate).filter_by(person_id=people[STAFF].id).one()
    batch = db.session.query(CertificateBatch).filter_by(event_id=done_event.id).first()
    theme = Theme(programme=p, name="Theme")
    goal = Goal(programme=p, title="People", unit="persons", target=10, basis="attended")
    org_goal = Goal(programme=p, title="Organisations", unit="organisations", target=2, basis="attended")
    db.session.add_all([theme, goal, org_goal])
    db.session.flush()
    outcome = OrganisationOutcome(goal=org_goal, organisation_id=org_a.id, evidence="Plan",
                                  attachment=b"%PDF-1.4 plan", attachment_name="plan.pdf")
    db.session.add(outcome)
    db.session.flush()
    feed = create_calendar_token(people[STAFF])
    from lms.reports import exports

    export_job = exports.start("participation", "csv", by=people[COORD], programme=p)
    zip_job = exports.start("certificates", "zip", by=people[MANAGER], certificate_ids=[certificate.id])
    staff_other2 = make.person(organisation=org_b)
    trainer_grant = people[TRAINER].roles[0]
    ids = {
        "programme": p.id, "activity": activity.id, "event": event.id, "event2": event2.id, "done_event": done_event.id,
        "session": event.sessions[0].id, "enrollment": enrollment.id, "person": people[STAFF].id,
        "staff": people[STAFF].id, "staff_other": people[STAFF_X].id, "trainer_person": people[TRAINER].id,
        "grant": trainer_grant.id, "org": org_a.id, "function": people[STAFF].job_function_id, "theme": theme.id,
        "goal": goal.id, "org_goal": org_goal.id, "outcome": outcome.id, "cert": certificate.code,
        "batch": batch.id if batch is not None else 0, "feed": feed,
        "staff_email": people[STAFF].email, "staff_other2": staff_other2.id,
        "export_job": export_job.id, "zip_job": zip_job.id,
    }
    db.session.commit()
    return people, ids


def _allowed(response):
    if response.status_code in (401, 403, 404, 405):
        return False
    if response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return False
    return True


def _rows(table, prefix=""):
    for endpoint, rows in table.items():
        for row in rows:
            method, url, allowed = row[:3]
            body = row[3] if len(row) > 3 else None
            yield endpoint, method, prefix + url, frozenset(allowed), body


def test_every_route_has_a_row(app):
    """A new route (HTML or API) must be added to the matrix with who may use it."""
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    covered = {(endpoint, method) for endpoint, method, *_ in list(_rows(HTML)) + list(_rows(API, "/api/v1"))}
    assert not routes - covered, f"routes without a row in the matrix: {sorted(routes - covered)}"
    assert not covered - routes, f"rows for routes that do not exist: {sorted(covered - routes)}"


def test_every_openapi_operation_has_a_row(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    import re

    documented = {(method.upper(), re.sub(r"\{[^}]+\}", "{}", path)) for path, ops in spec["paths"].items() for method in ops}
    rows = {(method, re.sub(r"\{[^}]+\}", "{}", url[len("/api/v1"):])) for _e, method, url, *_ in _rows(API, "/api/v1")}
    assert not documented - rows, f"documented operations without a row: {sorted(documented - rows)}"


def test_authorization_matrix(app, db, client, world, login):
    from lms.auth.operations import issue_token
    from lms.extensions import db as _db

    people, ids = world
    tokens = {role: issue_token(person)[0] for role, person in people.items()}
    _db.session.commit()
    wrong = []
    connection = _db.session.get_bind()
    for endpoint, method, url, allowed, body in list(_rows(HTML)) + list(_rows(API, "/api/v1")):
        path = url.format(**ids)
        is_api = path.startswith("/api/")
        for role in ROLES:
            headers = {}
            if is_api:
                if role != ANON:
                    headers["Authorization"] = f"Bearer {tokens[role]}"
            elif role == ANON:
                with client.session_transaction() as sess:
                    sess.clear()
            else:
                login(people[role])
            kwargs = {"headers": headers}
            if body is not None:
                filled = _fill(body, ids)
                if is_api:
                    kwargs["json"] = filled
                else:
                    kwargs["data"] = filled
            if method == "GET":  # reads write nothing (streamed exports run after the request)
                response = client.open(path, method=method, **kwargs)
                response.get_data()
                response.close()
            else:
                _db.session.commit()  # release the test's own savepoint first: ours must be the outer one
                savepoint = connection.begin_nested()
                try:
                    response = client.open(path, method=method, **kwargs)
                    response.get_data()
                    response.close()
                finally:
                    savepoint.rollback()
                    _db.session.expire_all()
            got = _allowed(response)
            if got != (role in allowed):
                wrong.append(f"{method} {url} as {role}: {response.status_code} ({'allowed' if got else 'refused'}, "
                             f"expected {'allowed' if role in allowed else 'refused'})")
    assert not wrong, f"{len(wrong)} answers differ from the matrix:\n" + "\n".join(wrong)
