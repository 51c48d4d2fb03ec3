import importlib
import textwrap

import pytest

from lms.errors import ValidationError
from lms.plugins import ActivityKind, Registry, RegistryError, registry


@pytest.fixture(autouse=True)
def _kinds_loaded(app):
    """The app loads the installed kinds into the registry (also when this file runs alone)."""


@pytest.mark.parametrize("settings, field", [
    ({"days": 5, "blocks": [2, 2], "min_ratio": 1}, "blocks"),
    ({"days": 5, "blocks": [2, 2, 1], "min_ratio": 0}, "min_ratio"),
    ({"days": 5, "blocks": [2, 2, 1], "min_ratio": 1.5}, "min_ratio"),
    ({"days": "five", "blocks": [5]}, "days"),
    ({"days": 5, "blocks": "2,x,1"}, "blocks"),
])
def test_track_settings_refused(settings, field):
    with pytest.raises(ValidationError) as error:
        registry.get("track").validate_settings(settings)
    assert field in error.value.fields


def test_track_settings_accepted():
    assert registry.get("track").validate_settings({"days": 5, "blocks": "2, 2, 1", "min_ratio": "0.8"}) == {
        "days": 5, "blocks": [2, 2, 1], "min_ratio": 0.8}


def test_network_and_workshop_settings():
    with pytest.raises(ValidationError):
        registry.get("network").validate_settings({"min_meetings": 0})
    assert registry.get("network").validate_settings({"min_meetings": 3, "cadence_per_year": 3}) == {
        "min_meetings": 3, "cadence_per_year": 3}
    with pytest.raises(ValidationError):
        registry.get("workshop").validate_settings({"method": "improv"})


def test_the_four_kinds_are_installed():
    assert {"seminar", "workshop", "network", "track"} <= set(registry.codes())


def test_registry_refuses_duplicates_and_strangers():
    class Fake(ActivityKind):
        code = "seminar"

    r = Registry()
    r.register(registry.get("seminar"))
    with pytest.raises(RegistryError, match="Two activity kinds use the code 'seminar'"):
        r.register(Fake())
    with pytest.raises(RegistryError, match="not an ActivityKind"):
        r.register(object())


def _install_dist(tmp_path, monkeypatch, name, module_source, entry):
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(module_source))
    dist = tmp_path / f"{name}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[lms.activity_kinds]\n{entry}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()


@pytest.fixture
def restore_registry():
    saved = dict(registry._kinds)
    yield
    registry._kinds = saved


def test_load_refuses_non_subclass(tmp_path, monkeypatch, restore_registry):
    _install_dist(tmp_path, monkeypatch, "badkind", "class NotAKind:\n    code = 'bad'\n", "bad = badkind:NotAKind")
    with pytest.raises(RegistryError, match="not a subclass of lms.plugins.ActivityKind"):
        Registry().load()


FIFTH = """
from flask import Blueprint, render_template, url_for

from lms.auth import policy
from lms.catalog.models import Event
from lms.plugins import ActivityKind, CompletionResult
from lms.web import get_or_404, require

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring", template_folder="fifthkind_templates")


@bp.route("/events/<int:event_id>")
def log(event_id):
    event = get_or_404(Event, event_id)
    require("event.workspace.view", event)
    return render_template("mentoring/log.html", event=event)


class MentoringKind(ActivityKind):
    code = "mentoring"
    label = "Mentoring"
    description = "One mentor, a few mentees."
    blueprint = bp

    def validate_settings(self, settings):
        return {}

    def completion(self, enrollment, marks):
        # Any meeting on record counts, even one the mentee missed: 90 minutes.
        if not marks:
            return CompletionResult(False, 0, "No mentoring meeting on record.")
        return CompletionResult(True, 1.5, details={"minutes": 90, "sessions_attended": len(marks)})

    def certificate_lines(self, completion):
        return []

    def event_links(self, event, user):
        if not policy.can(user, "event.workspace.view", event):
            return []
        return [("Mentoring log", url_for("mentoring.log", event_id=event.id))]
"""
LOG_TEMPLATE = """{% extends "base.html" %}
{% block content %}<h1>Mentoring log</h1><p id="event">{{ event.full_title }}</p>{% endblock %}
"""


def _install_fifth(tmp_path, monkeypatch):
    _install_dist(tmp_path, monkeypatch, "fifthkind", FIFTH, "mentoring = fifthkind:MentoringKind")
    templates = tmp_path / "fifthkind_templates" / "mentoring"
    templates.mkdir(parents=True)
    (templates / "log.html").write_text(LOG_TEMPLATE)


def test_fifth_kind_from_an_outside_distribution(tmp_path, monkeypatch, restore_registry, api, client, make):
    _install_fifth(tmp_path, monkeypatch)
    registry.load()
    assert "mentoring" in registry
    programme = make.programme()
    r = api(make.person(role="coordinator")).post("/api/v1/activities", json={
        "programme_id": programme.id, "kind": "mentoring", "title": "Mentorskap"})
    assert r.status_code == 201 and r.get_json()["kind"] == "mentoring"
    page = client.get(f"/?programme={programme.id}").get_data(as_text=True)
    assert "Mentorskap" in page and "Mentoring" in page


def test_fifth_kind_brings_its_page_and_its_completion_rule(
        tmp_path, monkeypatch, restore_registry, app, client, make, enrol, past_trained, request_context):
    """An outside kind's blueprint is served by the app, its link shows on the roster, and
    finalizing its event decides completion by its own rule; nothing in lms/ names it."""
    from lms import create_app
    from tests.conftest import _test_config

    _install_fifth(tmp_path, monkeypatch)
    # A new app, as a server started after the distribution was installed: it finds the
    # kind and registers its blueprint (the run's database, the test's transaction).
    outside = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    outside.test_client_class = type(client)
    try:
        _use_the_fifth_kind(outside, client, make, enrol, past_trained)
    finally:
        with outside.app_context():
            from lms.extensions import db

            db.engine.dispose()


def _use_the_fifth_kind(outside, client, make, enrol, past_trained):
    from lms.attendance.models import Attendance
    from lms.completion.models import Completion, NonCompletion
    from lms.completion.operations import finalize
    from tests.conftest import sign_in

    assert "mentoring" in registry and "mentoring" in outside.blueprints
    trainer, event = past_trained("mentoring", title="Autumn pairs")
    missed, silent = make.person(), make.person()
    marked = enrol(missed, event)
    unmarked = enrol(silent, event)
    make.db.session.add(Attendance(enrollment=marked, session=event.sessions[0], status="absent"))
    make.db.session.flush()

    browser = outside.test_client()
    assert browser.get(f"/mentoring/events/{event.id}").status_code == 302  # signed out: to the sign-in page
    sign_in(outside, browser, trainer)
    r = browser.get(f"/mentoring/events/{event.id}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<h1>Mentoring log</h1>" in html and event.full_title in html
    roster = browser.get(f"/sessions/{event.sessions[0].id}/attendance").get_data(as_text=True)
    assert f'href="/mentoring/events/{event.id}">Mentoring log</a>' in roster
    sign_in(outside, browser, make.person())
    assert browser.get(f"/mentoring/events/{event.id}").status_code == 403

    outcome = finalize(event, by=trainer)
    completion = make.db.session.query(Completion).filter_by(enrollment_id=marked.id).one()
    # The built-in kinds refuse an absent mark; the mentoring rule counts it, 90 minutes.
    assert (completion.minutes, completion.sessions_attended) == (90, 1)
    assert [c.enrollment.person_id for c in outcome.completions] == [missed.id]
    refused = make.db.session.query(NonCompletion).filter_by(enrollment_id=unmarked.id).one()
    assert refused.reason == "No mentoring meeting on record."


def test_registry_refuses_undeclared_public_hooks():
    class Chatty(ActivityKind):
        code = "chatty"
        discussion_board = True

        def validate_settings(self, settings):
            return {}

        def weekly_digest(self, event):
            return []

        def _private_helper(self):
            return None

    with pytest.raises(RegistryError) as error:
        Registry().register(Chatty())
    message = str(error.value)
    assert "'chatty'" in message
    assert "declare: discussion_board, weekly_digest." in message
    assert "_private_helper" not in message
    for hook in ("cadence_per_year", "completion", "event_links", "makeup_days", "migrations_dir", "programme_links"):
        assert hook in message.split("declared hooks:")[1]


def test_registry_refuses_a_hook_replaced_by_a_value_and_instance_attributes():
    class Flat(ActivityKind):
        code = "flat"
        cadence_per_year = 4

    with pytest.raises(RegistryError, match="'flat'.*cadence_per_year.*must stay methods"):
        Registry().register(Flat())

    class Sneaky(ActivityKind):
        code = "sneaky"

        def __init__(self):
            self.extra_pages = []

    with pytest.raises(RegistryError, match="'sneaky'.*declare: extra_pages"):
        Registry().register(Sneaky())


def test_load_refuses_an_installed_kind_with_undeclared_hooks(tmp_path, monkeypatch, restore_registry):
    source = FIFTH.replace("    def event_links(self, event, user):", "    def mentor_pairs(self, event):\n        return []\n\n    def event_links(self, event, user):")
    source = source.replace('code = "mentoring"', 'code = "loud"').replace('Blueprint("mentoring"', 'Blueprint("loud"')
    _install_dist(tmp_path, monkeypatch, "loudkind", source, "loud = loudkind:MentoringKind")
    with pytest.raises(RegistryError, match=r"'loud' \(loudkind:MentoringKind\) defines public names .*: mentor_pairs\."):
        Registry().load()


def test_the_built_in_kinds_keep_to_the_interface():
    from lms.plugins import undeclared_names

    for kind in registry.all():
        assert undeclared_names(type(kind), kind) == [], kind.code


def test_activity_of_missing_kind_gives_clear_error(api, client, make):
    ghost = make.activity(kind="ghost", settings={})
    r = client.get(f"/activities/{ghost.id}")
    assert r.status_code == 404 and "not installed" in r.get_data(as_text=True)
    r = api(make.person()).get(f"/api/v1/activities/{ghost.id}")
    assert r.status_code == 200 and r.get_json()["kind_installed"] is False
    page = client.get(f"/?programme={ghost.programme_id}")
    assert page.status_code == 200


def test_cadence_is_asked_of_every_kind_through_its_hook(restore_registry, db, make, request_context):
    """The progress API's cadence rows list the events of every kind that keeps a cadence,
    with its hook's requirement: an outside kind's, and a network cycle that requires none
    (0, never short); a kind that keeps none is left out."""
    from datetime import date

    from lms.goals.operations import cadence_report

    class Circle(ActivityKind):
        code = "circle"
        label = "Study circle"
        keeps_cadence = True

        def validate_settings(self, settings):
            return dict(settings)

        def cadence_per_year(self, settings):
            return settings.get("meetings", 0)

    registry.register(Circle())
    programme = make.programme(starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31))
    circle = make.event(make.activity(programme=programme, kind="circle", settings={"meetings": 6}), sessions=2)
    empty = make.event(make.activity(programme=programme, kind="circle", settings={}))
    none = make.event(make.activity(programme=programme, kind="network", settings={"min_meetings": 1, "cadence_per_year": 0}))
    make.event(make.activity(programme=programme, kind="seminar"))
    rows = cadence_report(programme)
    assert sorted((r["event_id"], r["required_per_year"], r["short"]) for r in rows) == sorted(
        [(circle.id, 6, True), (empty.id, 0, False), (none.id, 0, False)])
