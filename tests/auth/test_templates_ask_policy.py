"""Templates ask ``can(...)``: no role checks of their own (lms/auth/policy.py decides)."""
import re

# Role checks a template must not make: ask can("<action>") and give the policy a rule.
ROLE_CHECKS = re.compile(r"has_role\s*\(|\bis_(?:admin|manager|coordinator|trainer)\b|current_user\.roles\b|\.role\s*==")


def _templates(app):
    """``(name, source)`` of every template the app can render (its own, the blueprints',
    the activity kinds')."""
    loader = app.jinja_env.loader
    names = [n for n in app.jinja_env.list_templates() if n.endswith((".html", ".txt", ".ics", ".xml"))]
    return [(name, loader.get_source(app.jinja_env, name)[0]) for name in names]


def test_the_scan_sees_every_area_s_templates(app):
    names = {name for name, _source in _templates(app)}
    for expected in ("base.html", "enrollment/roster.html", "attendance/my_events.html",
                     "certificates/manage.html", "reports/manager.html", "people/person.html"):
        assert expected in names


def test_no_template_checks_roles_itself(app):
    offenders = []
    for name, source in _templates(app):
        for number, line in enumerate(source.splitlines(), 1):
            if ROLE_CHECKS.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == [], "Templates must ask can(...), not check roles:\n" + "\n".join(offenders)


def test_the_pattern_catches_role_checks():
    for line in ('{% if current_user.has_role("trainer") %}', "{% if current_user.has_role('admin') %}",
                 "{% if is_manager %}", "{% for g in current_user.roles %}", '{% if g.role == "admin" %}'):
        assert ROLE_CHECKS.search(line), line
    for line in ('{% if can("trainer.menu") %}', "{% for g in person.roles %}", "{{ g.role_label }}"):
        assert not ROLE_CHECKS.search(line), line
