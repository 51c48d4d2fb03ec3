import importlib
import textwrap

import pytest

from lms.errors import ValidationError
from lms.plugins import ActivityKind, Registry, RegistryError, registry


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


FIFTH = '''
from lms.plugins import ActivityKind, CompletionResult


class MentoringKind(ActivityKind):
    code = "mentoring"
    label = "Mentoring"
    description = "One mentor, a few mentees."

    def validate_settings(self, settings):
        return {}

    def completion(self, enrollment, marks):
        return CompletionResult(bool(marks))

    def certificate_lines(self, completion):
        return []
'''


def test_fifth_kind_from_an_outside_distribution(tmp_path, monkeypatch, restore_registry, api, client, make):
    _install_dist(tmp_path, monkeypatch, "fifthkind", FIFTH, "mentoring = fifthkind:MentoringKind")
    registry.load()
    assert "mentoring" in registry
    programme = make.programme()
    r = api(make.person(role="coordinator")).post("/api/v1/activities", json={
        "programme_id": programme.id, "kind": "mentoring", "title": "Mentorskap"})
    assert r.status_code == 201 and r.get_json()["kind"] == "mentoring"
    page = client.get(f"/?programme={programme.id}").get_data(as_text=True)
    assert "Mentorskap" in page and "Mentoring" in page


def test_activity_of_missing_kind_gives_clear_error(api, client, make):
    ghost = make.activity(kind="ghost", settings={})
    r = client.get(f"/activities/{ghost.id}")
    assert r.status_code == 404 and "not installed" in r.get_data(as_text=True)
    r = api(make.person()).get(f"/api/v1/activities/{ghost.id}")
    assert r.status_code == 200 and r.get_json()["kind_installed"] is False
    page = client.get(f"/?programme={ghost.programme_id}")
    assert page.status_code == 200
