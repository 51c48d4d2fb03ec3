"""Row scopes and bypasses decided once in lms/auth/policy.py: each function answers the
specific rows of a small world, agrees with the per-object rule, and the HTML pages and
the API that use it answer the same rows."""
from datetime import datetime, timedelta, timezone

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from lms.auth import policy
from lms.auth.policy import can


@pytest.fixture
def world(db, make, enrol):
    """Federation F with member organisation A; C outside every programme.
    Programme P (A takes part) and Q (B takes part); P's activity requires approval.
    Ada (A) and Bo (B) are enrolled in P's event; Bo waits for approval in P's second
    event and Ada in Q's event. The trainer trains P's event and P's draft event."""
    fed = make.organisation(name="Federation F", kind="federation")
    org_a = make.organisation(name="Organisation A", parent_id=fed.id)
    org_b, org_c = make.organisation(name="Organisation B"), make.organisation(name="Organisation C")
    p, q = make.programme(name="Programme P"), make.programme(name="Programme Q")
    p.organisations.append(org_a)
    q.organisations.append(org_b)
    people = {
        "ada": make.person(organisation=org_a, name="Ada Scope"),
        "bo": make.person(organisation=org_b, name="Bo Scope"),
        "cy": make.person(organisation=org_c, name="Cy Scope"),
        "fed_staff": make.person(organisation=fed, name="Fed Scope"),
        "manager_a": make.person(role="manager", organisation=org_a, name="Manager A"),
        "manager_fed": make.person(role="manager", organisation=fed, name="Manager F"),
        "coord_p": make.person(role="coordinator", scope=p),
        "coord_all": make.person(role="coordinator"),
        "admin": make.person(role="admin"),
        "trainer": make.person(role="trainer"),
        "staff": make.person(organisation=org_c, name="Staff C"),
    }
    soon = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=20)
    p_activity = make.activity(programme=p, requires_approval=True)
    events = {
        "p_event": make.event(p_activity, start=soon),
        "p_event2": make.event(p_activity, start=soon),
        "p_draft": make.event(p_activity, start=soon, status="draft"),
        "p_closed": make.event(p_activity, start=soon, enrol_closes_at=soon - timedelta(days=21)),
        "q_event": make.event(make.activity(programme=q), start=soon),
    }
    events["p_event"].trainers.append(people["trainer"])
    events["p_draft"].trainers.append(people["trainer"])
    enrollments = {
        "ada_p": enrol(people["ada"], events["p_event"]),
        "bo_p": enrol(people["bo"], events["p_event"]),
        "bo_p2_pending": enrol(people["bo"], events["p_event2"], status="pending_approval"),
        "ada_q_pending": enrol(people["ada"], events["q_event"], status="pending_approval"),
    }
    db.session.flush()
    return {"fed": fed, "org_a": org_a, "org_b": org_b, "org_c": org_c, "p": p, "q": q,
            **people, **events, "enrollments": enrollments}


ANONYMOUS = AnonymousUserMixin()
ROLES = ("ada", "bo", "staff", "trainer", "manager_a", "manager_fed", "coord_p", "coord_all", "admin")


def _ids(db, model, clause, among):
    """Ids of ``among`` (objects of the world) that ``clause`` lets through."""
    query = select(model.id).where(model.id.in_([o.id for o in among]))
    if clause is not None:
        query = query.where(clause)
    return set(db.session.scalars(query))


# --- organisation and roster scopes --------------------------------------------------------

def test_organisation_scope(world):
    p, q = world["p"].id, world["q"].id
    assert policy.organisation_scope(world["coord_p"], p) is None
    assert policy.organisation_scope(world["coord_p"], q) == set()
    assert policy.organisation_scope(world["admin"], q) is None
    assert policy.organisation_scope(world["coord_all"], q) is None
    assert policy.organisation_scope(world["manager_a"], p) == {world["org_a"].id}
    assert policy.organisation_scope(world["manager_fed"], p) == {world["fed"].id, world["org_a"].id}
    assert policy.organisation_scope(world["staff"], p) == set()
    assert policy.organisation_scope(ANONYMOUS, p) == set()


def test_roster_scope_and_clause(world, db):
    from lms.enrollment.models import Enrollment

    event = world["p_event"]
    e = world["enrollments"]
    rows = [e["ada_p"], e["bo_p"]]
    assert policy.roster_scope(world["trainer"], event) is None
    assert policy.roster_scope(world["coord_p"], event) is None
    assert policy.roster_scope(world["manager_a"], event) == {world["org_a"].id}
    assert policy.roster_scope(world["staff"], event) == set()
    # A trainer of another event sees nothing of this one.
    assert policy.roster_scope(world["trainer"], world["q_event"]) == set()

    def seen(who):
        return _ids(db, Enrollment, policy.roster_clause(world[who], event), rows)

    assert seen("trainer") == seen("coord_p") == seen("admin") == {e["ada_p"].id, e["bo_p"].id}
    assert seen("manager_a") == seen("manager_fed") == {e["ada_p"].id}
    assert seen("staff") == set()


def test_roster_page_and_api_answer_the_same_rows(world, login, api):
    event = world["p_event"]
    for who, names in (("manager_a", {"Ada Scope"}), ("trainer", {"Ada Scope", "Bo Scope"})):
        items = api(world[who]).get(f"/api/v1/events/{event.id}/enrollments").get_json()["items"]
        assert {i["person_id"] for i in items} == {world[n.split()[0].lower()].id for n in names}
        page = login(world[who]).get(f"/events/{event.id}/roster").get_data(as_text=True)
        assert {n for n in ("Ada Scope", "Bo Scope") if n in page} == names


def test_programme_outcomes_page_and_api_use_the_organisation_scope(world, db, login, api):
    from lms.programmes.models import Goal, OrganisationOutcome

    goal = Goal(programme=world["p"], title="Organisations join", unit="organisations", target=2)
    db.session.add(goal)
    db.session.flush()
    for org in (world["org_a"], world["org_b"]):
        db.session.add(OrganisationOutcome(goal_id=goal.id, organisation_id=org.id, evidence=f"Evidence {org.name}",
                                           recorded_by_id=world["admin"].id))
    db.session.flush()
    items = api(world["manager_a"]).get(f"/api/v1/goals/{goal.id}/outcomes").get_json()["items"]
    assert {i["organisation_id"] for i in items} == {world["org_a"].id}
    page = login(world["manager_a"]).get(f"/goals/{goal.id}/outcomes").get_data(as_text=True)
    assert "Evidence Organisation A" in page and "Evidence Organisation B" not in page
    items = api(world["coord_p"]).get(f"/api/v1/goals/{goal.id}/outcomes").get_json()["items"]
    assert {i["organisation_id"] for i in items} == {world["org_a"].id, world["org_b"].id}


# --- people and enrolments -----------------------------------------------------------------

def test_staff_clause(world, db):
    from lms.people.models import Person

    everyone = [world[n] for n in ("ada", "bo", "cy", "fed_staff", "manager_a", "manager_fed", "staff", "trainer")]

    def staff(who):
        return _ids(db, Person, policy.staff_clause(world[who]), everyone)

    assert staff("manager_a") == {world["ada"].id, world["manager_a"].id}
    # A federation's manager also manages its members' staff.
    assert staff("manager_fed") == {world["ada"].id, world["manager_a"].id, world["fed_staff"].id, world["manager_fed"].id}
    assert staff("coord_all") == staff("admin") == staff("staff") == set()


def test_decidable_enrollments_clause_agrees_with_the_decide_rule(world, db):
    from lms.enrollment.models import Enrollment

    e = world["enrollments"]
    rows = list(e.values())
    expected = {
        "coord_p": {e["ada_p"].id, e["bo_p"].id, e["bo_p2_pending"].id},      # programme P's
        "manager_a": {e["ada_p"].id, e["ada_q_pending"].id},                  # organisation A's
        "manager_fed": {e["ada_p"].id, e["ada_q_pending"].id},
        "staff": set(), "trainer": set(), "ada": set(),
    }
    for who, ids in expected.items():
        assert _ids(db, Enrollment, policy.decidable_enrollments_clause(world[who]), rows) == ids, who
        assert {r.id for r in rows if can(world[who], "enrollment.decide", r)} == ids, who
    assert policy.decidable_enrollments_clause(world["coord_all"]) is None
    assert policy.decidable_enrollments_clause(world["admin"]) is None


def test_approvals_page_lists_the_decidable_rows(world, login):
    page = login(world["coord_p"]).get("/manager/approvals").get_data(as_text=True)
    assert "Bo Scope" in page and "Ada Scope" not in page
    page = login(world["manager_a"]).get("/manager/approvals").get_data(as_text=True)
    assert "Ada Scope" in page and "Bo Scope" not in page


def test_may_skip_enrolment_window(world):
    p_event, q_event = world["p_event"], world["q_event"]
    assert policy.may_skip_enrolment_window(world["coord_p"], p_event) is True
    assert policy.may_skip_enrolment_window(world["coord_p"], q_event) is False
    assert policy.may_skip_enrolment_window(world["admin"], q_event) is True
    assert policy.may_skip_enrolment_window(world["manager_a"], p_event) is False
    assert policy.may_skip_enrolment_window(world["trainer"], p_event) is False


def test_coordinators_enrol_after_the_window_closed_in_html_and_api_managers_do_not(world, login, api, db):
    from lms.enrollment.models import Enrollment

    closed = world["p_closed"]

    def enrolled(person):
        return db.session.scalar(select(Enrollment).where(Enrollment.event_id == closed.id,
                                                          Enrollment.person_id == person.id))

    r = api(world["manager_a"]).post(f"/api/v1/events/{closed.id}/enrollments", json={"person_id": world["ada"].id})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "enrolment_closed"
    login(world["manager_a"]).post(f"/events/{closed.id}/roster/enrol", data={"person_id": world["ada"].id})
    assert enrolled(world["ada"]) is None
    r = api(world["coord_p"]).post(f"/api/v1/events/{closed.id}/enrollments", json={"person_id": world["ada"].id})
    assert r.status_code == 201 and r.get_json()["status"] == "enrolled"
    r = login(world["coord_p"]).post(f"/events/{closed.id}/roster/enrol", data={"person_id": world["bo"].id})
    assert r.status_code == 302
    assert enrolled(world["bo"]).status == "enrolled"


def test_may_skip_approval(world):
    ada, bo, p_event, q_event = world["ada"], world["bo"], world["p_event"], world["q_event"]
    assert policy.may_skip_approval(world["manager_a"], ada, p_event) is True
    assert policy.may_skip_approval(world["manager_fed"], ada, p_event) is True
    assert policy.may_skip_approval(world["manager_a"], bo, p_event) is False
    assert policy.may_skip_approval(world["coord_p"], bo, p_event) is True
    assert policy.may_skip_approval(world["coord_p"], bo, q_event) is False
    # Self-service is never approved as it is made, not even an admin's own.
    assert policy.may_skip_approval(ada, ada, p_event) is False
    assert policy.may_skip_approval(world["admin"], world["admin"], p_event) is False


def test_manager_enrolment_skips_approval_self_service_waits(world):
    from lms.enrollment import operations as ops

    assert ops.enrol(world["ada"], world["p_event2"], by=world["manager_a"]).status == "enrolled"
    assert ops.enrol(world["cy"], world["p_event2"], by=world["cy"]).status == "pending_approval"


# --- events -----------------------------------------------------------------------------

def test_visible_event_statuses_and_sees_event(world):
    p = world["p"].id
    draft = world["p_draft"]
    assert "draft" not in policy.visible_event_statuses(world["staff"], p)
    assert set(policy.visible_event_statuses(world["staff"], p)) == {"open", "closed", "finalized", "cancelled"}
    assert "draft" in policy.visible_event_statuses(world["coord_p"], p)
    assert "draft" not in policy.visible_event_statuses(world["coord_p"], world["q"].id)
    assert "draft" not in policy.visible_event_statuses(ANONYMOUS, p)
    assert [who for who in ROLES if policy.sees_event(world[who], draft)] == ["trainer", "coord_p", "coord_all", "admin"]
    assert policy.sees_event(ANONYMOUS, draft) is False
    assert policy.sees_event(ANONYMOUS, world["p_event"]) is True


def test_draft_event_page_and_api_agree(world, login, api):
    draft = world["p_draft"]
    for who in ("trainer", "coord_p", "staff", "manager_a"):
        page = login(world[who]).get(f"/events/{draft.id}").status_code
        answer = api(world[who]).get(f"/api/v1/events/{draft.id}").status_code
        assert (page, answer) == ((200, 200) if who in ("trainer", "coord_p") else (404, 404)), who
    # The activity's list of events: drafts for the programme's coordinators only.
    activity = draft.activity.id
    listed = {i["id"] for i in api(world["coord_p"]).get(f"/api/v1/activities/{activity}/events").get_json()["items"]}
    assert draft.id in listed
    listed = {i["id"] for i in api(world["trainer"]).get(f"/api/v1/activities/{activity}/events").get_json()["items"]}
    assert draft.id not in listed and world["p_event"].id in listed


def test_trained_events_clause(world, db):
    from lms.catalog.models import Event

    events = [world[n] for n in ("p_event", "p_event2", "p_draft", "p_closed", "q_event")]
    assert _ids(db, Event, policy.trained_events_clause(world["trainer"]), events) == {world["p_event"].id, world["p_draft"].id}
    assert _ids(db, Event, policy.trained_events_clause(world["coord_p"]), events) == set()
    assert _ids(db, Event, policy.trained_events_clause(ANONYMOUS), events) == set()
    for who in ROLES:  # the clause and the per-object check agree
        clause = _ids(db, Event, policy.trained_events_clause(world[who]), events)
        assert clause == {e.id for e in events if policy.trains(world[who], e)}, who


def test_trainer_events_query_lists_the_trained_events(world, db):
    from lms.attendance.rosters import trainer_events_query

    listed = {e.id for e in db.session.scalars(trainer_events_query(world["trainer"]))}
    assert {world["p_event"].id, world["p_draft"].id} <= listed
    assert not listed & {world["p_event2"].id, world["q_event"].id}


# --- organisations and certificates ---------------------------------------------------------

def test_overseen_organisations_clause(world, db):
    from lms.people.models import Organisation

    orgs = [world[n] for n in ("fed", "org_a", "org_b", "org_c")]

    def overseen(who):
        return _ids(db, Organisation, policy.overseen_organisations_clause(world[who]), orgs)

    assert overseen("coord_p") == {world["org_a"].id}
    assert overseen("manager_a") == {world["org_a"].id}
    assert overseen("manager_fed") == {world["fed"].id, world["org_a"].id}
    assert overseen("staff") == set()
    assert policy.overseen_organisations_clause(world["coord_all"]) is None


@pytest.fixture
def certificates(world, db):
    import uuid

    from certificates.models import Certificate

    def certificate(person, organisation, programme):
        c = Certificate(code=uuid.uuid4().hex[:19], person_id=person.id, organisation_id=organisation.id,
                        programme_id=programme.id, kind="seminar", locale="en", sha256="0" * 64, pdf=b"%PDF",
                        idempotency_key=uuid.uuid4().hex)
        db.session.add(c)
        db.session.flush()
        return c

    return {
        "ada_p": certificate(world["ada"], world["org_a"], world["p"]),
        # Ada was in B when she enrolled in Q's event: A's managers see it by where she works now.
        "ada_q_from_b": certificate(world["ada"], world["org_b"], world["q"]),
        # Cy enrolled for A and has moved to C since: A's managers see it by the enrolment.
        "cy_q_for_a": certificate(world["cy"], world["org_a"], world["q"]),
        "bo_q": certificate(world["bo"], world["org_b"], world["q"]),
    }


def test_visible_certificates_clause_agrees_with_the_view_rule(world, certificates, db):
    from certificates import operations
    from certificates.models import Certificate

    c = certificates
    rows = list(c.values())
    expected = {
        "coord_p": {c["ada_p"].id},
        "manager_a": {c["ada_p"].id, c["ada_q_from_b"].id, c["cy_q_for_a"].id},
        "ada": {c["ada_p"].id, c["ada_q_from_b"].id},
        "bo": {c["bo_q"].id},
        "staff": set(), "trainer": set(),
    }
    for who, ids in expected.items():
        assert _ids(db, Certificate, policy.visible_certificates_clause(world[who]), rows) == ids, who
        assert {r.id for r in rows if can(world[who], "certificate.view", r)} == ids, who
        # The operation joins the holder: the clause must not be correlated with that join.
        listed = {x.id for x in db.session.scalars(operations.visible(world[who])) if x in rows}
        assert listed == ids, who
    assert policy.visible_certificates_clause(world["admin"]) is None


# --- rules the templates ask ---------------------------------------------------------------

def test_trainer_menu_and_roster_picker_rules(world, login):
    assert [who for who in ROLES if can(world[who], "trainer.menu")] == ["trainer"]
    assert can(ANONYMOUS, "trainer.menu") is False
    p_event, q_event = world["p_event"], world["q_event"]
    assert [who for who in ROLES if can(world[who], "event.roster_picker", p_event)] == [
        "manager_a", "manager_fed", "coord_p", "coord_all", "admin"]
    assert can(world["coord_p"], "event.roster_picker", q_event) is False
    assert 'href="/me/events"' in login(world["trainer"]).get("/me/learning").get_data(as_text=True)
    assert 'href="/me/events"' not in login(world["staff"]).get("/me/learning").get_data(as_text=True)
