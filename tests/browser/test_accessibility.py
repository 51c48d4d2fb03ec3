"""axe-core finds no WCAG 2.1 A/AA violations on any page of the app: every HTML GET page
(the list of tests/browser/pages.py, shared with the phone-layout test) opened by each demo
role (anonymous, staff, trainer, manager, coordinator, admin) in each language (en, sv, da,
nb), the header menu opened on a phone, and the forms shown with errors (the 422 answers of
a few forms sent empty or wrong).

A page a role may not open is skipped for that role. A failure lists (language, role, page,
rule id, targets) for every violation.

Sampled to keep the run near three minutes on two cores (axe takes about 0.3 s a page): every
page as every role in English and in Swedish; in Danish and in Norwegian as the admin (who
opens nearly every page) and as a staff member (the most common reader), so every page is
checked in all four languages. The templates are the same in every language; only the texts
differ. The forms with errors are
checked in all four languages.
"""
import json

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.pages import PHONE, ROLES, as_role, open_pages

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"], "elementRef": False}
# axe.run in the page, answering only what a failure lists (the full result is large).
RUN = "axe.run(document, %s).then(r => r.violations.map(v => [v.id, v.nodes.map(n => n.target.join(' '))]))" % (
    json.dumps(WCAG))
LOCALES = ["en", "sv", "da", "nb"]
SAMPLED = {"da": ["admin", "staff"], "nb": ["admin", "staff"]}  # the other languages: every role


@pytest.fixture(scope="module")
def axe():
    return Axe().axe_script


def _violations(axe, page):
    """(rule id, targets) of each violation on the page as it is now, with every disclosure
    (<details>: the header menu, delete confirmations, roster forms) opened."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.evaluate(axe)
    return [(rule, targets[:5]) for rule, targets in page.evaluate(RUN)]


def _report(problems):
    return "\n".join(f"{locale} {role} {url}: {rule} {targets}" for locale, role, url, rule, targets in problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_page_as_every_role(browser, live_server, pages, axe, locale):
    problems, checked = [], {}
    for role in SAMPLED.get(locale, ROLES):
        with as_role(browser, live_server, role, locale) as page:
            checked[role] = 0
            for url in open_pages(page, live_server, pages):
                checked[role] += 1
                problems += [(locale, role, url, rule, targets) for rule, targets in _violations(axe, page)]
    print(f"\naxe {locale}: {checked}")
    assert all(checked.values()), f"a role opened no page: {checked}"
    assert problems == [], _report(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_open_menu_on_a_phone(browser, live_server, axe, locale):
    """The header menu as a phone shows it: a column of links below the "Menu" button."""
    problems = []
    for role in ("anonymous", "coordinator"):
        with as_role(browser, live_server, role, locale, viewport=PHONE) as page:
            page.goto(live_server + "/")
            page.locator("header summary").click()
            assert page.locator("header nav").is_visible()
            problems += [(locale, role, "/ (menu open)", rule, targets) for rule, targets in _violations(axe, page)]
    assert problems == [], _report(problems)


def _submit(page, base, path, fields, submit="form.form button.primary"):
    """Opens ``path``, fills ``fields`` (selector -> value) and sends the form; the answer
    must be the form again with its errors (422)."""
    page.goto(base + path)
    for selector, value in fields.items():
        page.fill(selector, value)
    with page.expect_navigation() as navigation:
        page.locator(submit).first.click()
    response = navigation.value
    assert response.status == 422, f"{path}: HTTP {response.status}, expected the form with errors"
    assert page.locator(".error, [aria-invalid=true]").count(), f"{path}: no error shown"


@pytest.mark.parametrize("locale", LOCALES)
def test_forms_with_errors(browser, live_server, demo_ids, axe, locale):
    problems = []

    def check(role, url):
        problems.extend((locale, role, url, rule, targets) for rule, targets in _violations(axe, page))

    with as_role(browser, live_server, "anonymous", locale) as page:
        _submit(page, live_server, "/login", {"input[name=email]": "nobody@example.org",
                                              "input[name=password]": "not the password"})
        check("anonymous", "/login (wrong password)")
        _submit(page, live_server, "/accessibility", {})
        check("anonymous", "/accessibility (empty)")
    with as_role(browser, live_server, "staff", locale) as page:
        _submit(page, live_server, "/account/password", {
            "input[name=current_password]": "demo1234", "input[name=new_password]": "short",
            "input[name=confirm]": "short"})
        check("staff", "/account/password (short password)")
    with as_role(browser, live_server, "coordinator", locale) as page:
        path = f"/admin/activities/{demo_ids['activity_id'][0]}/events/new"
        _submit(page, live_server, path, {"#s0-day": "2031-03-04", "#s0-start": "14:00", "#s0-end": "10:00"})
        check("coordinator", path + " (ends before it starts)")
    with as_role(browser, live_server, "admin", locale) as page:
        _submit(page, live_server, "/admin/people/new", {"input[name=email]": "not-an-email",
                                                         "input[name=name]": "Test Person"})
        check("admin", "/admin/people/new (bad email)")
    assert problems == [], _report(problems)
