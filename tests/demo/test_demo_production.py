"""`flask demo load` refuses to put known logins into a production database."""
import pytest

from demo.cli import demo_cli


@pytest.fixture
def reached(monkeypatch):
    """Replace the loader: the test sees whether the command got as far as loading."""
    calls = []

    def fake_load_demo():
        calls.append(True)
        raise RuntimeError("loader reached")

    monkeypatch.setattr("demo.load.load_demo", fake_load_demo)
    return calls


def test_refused_under_production_config(app, monkeypatch, reached):
    monkeypatch.setitem(app.config, "LMS_CONFIG", "production")
    result = app.test_cli_runner().invoke(demo_cli, ["load"])
    assert result.exit_code == 1 and reached == []
    assert "production configuration" in result.output and "--force" in result.output


def test_refused_when_environment_says_production(app, monkeypatch, reached):
    monkeypatch.setenv("LMS_CONFIG", "production")
    result = app.test_cli_runner().invoke(demo_cli, ["load"])
    assert result.exit_code == 1 and reached == [] and "--force" in result.output


def test_force_loads_under_production(app, monkeypatch, reached):
    monkeypatch.setitem(app.config, "LMS_CONFIG", "production")
    result = app.test_cli_runner().invoke(demo_cli, ["load", "--force"])
    assert reached == [True] and str(result.exception) == "loader reached"


def test_production_class_says_so():
    from config import CONFIGS

    assert CONFIGS["production"].LMS_CONFIG == "production" and CONFIGS["default"].LMS_CONFIG == "default"


def test_demo_commands_reach_flask_through_the_entry_point(app):
    """The core registers no demo command: pyproject's ``flask.commands`` entry point adds
    the demo package's group to the ``flask`` command."""
    import tomllib
    from importlib import import_module
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    target = pyproject["project"]["entry-points"]["flask.commands"]["demo"]
    module, _, name = target.partition(":")
    assert getattr(import_module(module), name) is demo_cli
    assert set(demo_cli.commands) == {"load", "scale"}
    assert "demo" not in app.cli.commands
