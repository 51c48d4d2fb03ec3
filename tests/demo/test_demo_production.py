"""`flask demo load` refuses to put known logins into a production database."""
import pytest


@pytest.fixture
def reached(monkeypatch):
    """Replace the loader: the test sees whether the command got as far as loading."""
    calls = []

    def fake_load_demo():
        calls.append(True)
        raise RuntimeError("loader reached")

    monkeypatch.setattr("lms.demo.load.load_demo", fake_load_demo)
    return calls


def test_refused_under_production_config(app, monkeypatch, reached):
    monkeypatch.setitem(app.config, "LMS_CONFIG", "production")
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 1 and reached == []
    assert "production configuration" in result.output and "--force" in result.output


def test_refused_when_environment_says_production(app, monkeypatch, reached):
    monkeypatch.setenv("LMS_CONFIG", "production")
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 1 and reached == [] and "--force" in result.output


def test_force_loads_under_production(app, monkeypatch, reached):
    monkeypatch.setitem(app.config, "LMS_CONFIG", "production")
    result = app.test_cli_runner().invoke(args=["demo", "load", "--force"])
    assert reached == [True] and str(result.exception) == "loader reached"


def test_production_class_says_so():
    from config import CONFIGS

    assert CONFIGS["production"].LMS_CONFIG == "production" and CONFIGS["default"].LMS_CONFIG == "default"
