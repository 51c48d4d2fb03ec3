"""Every HTML page either is public (listed here) or carries ``@login_required`` right under
its route decorator, so a signed-out visitor is sent to the sign-in page (with ``next``)
before anything is looked up. The JSON API (bearer tokens) is not concerned."""
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_login import login_required
from werkzeug.routing import IntegerConverter

# Pages anyone may open signed out: the catalogue, certificate verification, signing in,
# the language switch, the accessibility statement and the calendars (an event's public
# .ics; the personal feed is opened by its secret token).
PUBLIC = {
    "catalog.index", "catalog.activity", "catalog.event",
    "certificates.verify_index", "certificates.verify_upload", "certificates.verify",
    "auth.login", "auth.language",
    "about.accessibility",
    "notifications.event_calendar", "notifications.feed",
    "static",
}

# Every function login_required() returns runs this code object.
_SIGN_IN_WRAPPER = login_required(lambda: None).__code__


def _wrapped_by_login_required(view):
    return getattr(view, "__code__", None) is _SIGN_IN_WRAPPER


def _html_rules(app):
    return [r for r in app.url_map.iter_rules() if not r.endpoint.startswith("api.")]


def _url(rule):
    """The rule's address with made-up values (signed-out visitors never reach a lookup)."""
    values = {name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x" for name in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def test_every_page_is_public_or_carries_login_required(app):
    missing = [r.endpoint for r in _html_rules(app)
               if r.endpoint not in PUBLIC and not _wrapped_by_login_required(app.view_functions[r.endpoint])]
    assert sorted(set(missing)) == []


def test_public_pages_do_not_carry_login_required(app):
    endpoints = {r.endpoint for r in _html_rules(app)}
    assert PUBLIC <= endpoints, PUBLIC - endpoints  # a renamed page must be renamed here too
    wrapped = [e for e in PUBLIC if _wrapped_by_login_required(app.view_functions[e])]
    assert wrapped == []


def test_the_check_recognises_login_required(app):
    assert _wrapped_by_login_required(app.view_functions["enrollment.my_learning"])
    assert not _wrapped_by_login_required(app.view_functions["catalog.index"])
    assert not _wrapped_by_login_required(lambda: None)


def _requests(app, public):
    for rule in sorted(_html_rules(app), key=lambda r: r.rule):
        if (rule.endpoint in PUBLIC) != public or rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, _url(rule)


def test_signed_out_visitors_are_sent_to_sign_in_with_next(app, client):
    login_path = "/login"
    wrong = []
    for endpoint, method, url in _requests(app, public=False):
        response = client.open(url, method=method)
        location = urlsplit(response.headers.get("Location", ""))
        if response.status_code != 302 or location.path != login_path or parse_qs(location.query).get("next") != [url]:
            wrong.append((endpoint, method, url, response.status_code, response.headers.get("Location")))
    assert wrong == []


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_public_pages_open_signed_out(app, client, method):
    for endpoint, each, url in _requests(app, public=True):
        if each != method:
            continue
        response = client.open(url, method=method)
        assert not (response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"), endpoint
        assert response.status_code not in (401, 403), endpoint
