"""No page is wider than a phone: every HTML GET page of the app, opened by each demo role at
390 x 844 in English and in Swedish (the longest labels), fits the screen
(``document.documentElement.scrollWidth`` is not larger than the viewport).

The page list comes from the URL map (GET rules, minus the JSON API, static files and
downloads); URL parameters are filled with real ids from the demo programme. A page a role
may not open (401/403/404 or a redirect to the sign-in page) is skipped for that role.
"""
import re

import pytest

PHONE = {"width": 390, "height": 844}
ROLES = {  # role -> demo login (None: not signed in)
    "anonymous": None,
    "staff": "anna.personal@demo.brobygger.se",
    "trainer": "utbildare@demo.brobygger.se",
    "manager": "chef.orebro@demo.brobygger.se",
    "coordinator": "koordinator@demo.brobygger.se",
    "admin": "admin@demo.brobygger.se",
}
# Rules that answer something other than an HTML page.
NOT_PAGES = re.compile(r"^/(api|static)/|\.(ics|pdf|csv|xlsx|zip)$|<fmt>$")
NOT_PAGE_ENDPOINTS = {"programmes.outcome_attachment"}  # the uploaded file itself


def _demo_ids(app):
    """Ids from the demo programme for every URL parameter (several values where one page
    looks different for different objects, e.g. an open and a finalized event)."""
    from sqlalchemy import func, select

    from certificates import operations as certs
    from certificates.models import Certificate, CertificateBatch
    from lms.catalog.models import Activity, Event, Session, event_trainer
    from lms.completion.models import Completion
    from lms.enrollment.models import Enrollment
    from lms.extensions import db
    from lms.people.models import Person
    from lms.plugins import registry
    from lms.programmes.models import Goal

    with app.app_context():
        s = db.session
        staff = s.scalar(select(Person).where(Person.email == ROLES["staff"]))
        trainer = s.scalar(select(Person).where(Person.email == ROLES["trainer"]))
        enrolled = (select(func.count()).select_from(Enrollment)
                    .where(Enrollment.event_id == Event.id, Enrollment.status == "enrolled").scalar_subquery())
        trained = select(event_trainer.c.event_id).where(event_trainer.c.person_id == trainer.id)
        # The trainer's busiest open event with sessions (the attendance roster), and a finalized one.
        open_event = s.scalar(select(Event).where(Event.status == "open", Event.id.in_(trained), Event.sessions.any())
                              .order_by(enrolled.desc(), Event.id))
        done_event = s.scalar(select(Event).where(Event.status == "finalized", Event.id.in_(trained))
                              .order_by(enrolled.desc(), Event.id))
        session = s.scalar(select(Session).where(Session.event_id == open_event.id).order_by(Session.starts_at))
        # A certificate of the staff member's, and a finished batch for the finalized event.
        completion = s.scalar(select(Completion).join(Enrollment, Enrollment.id == Completion.enrollment_id)
                              .where(Enrollment.person_id == staff.id).order_by(Completion.id))
        certificate = certs.issue(completion)
        batch = s.scalar(select(CertificateBatch).where(CertificateBatch.event_id == done_event.id))
        if batch is None:
            batch = certs.run_batch(certs.start_batch(done_event).id)
        goals = s.scalars(select(Goal).where(Goal.programme_id == open_event.activity.programme_id)).all()
        ids = {
            "programme_id": [open_event.activity.programme_id],
            "activity_id": [open_event.activity_id],
            "event_id": [open_event.id, done_event.id],
            "session_id": [session.id],
            "person_id": [staff.id],
            "org_id": [staff.organisation_id],
            "fn_id": [staff.job_function_id],
            "goal_id": sorted({next(g.id for g in goals if g.unit == unit) for unit in {g.unit for g in goals}}),
            "kind_code": sorted(registry.codes()),
            "code": [certificate.code],
            "batch_id": [batch.id],
        }
        s.commit()
        assert s.get(Certificate, certificate.id) is not None
        return ids


def _pages(app, ids):
    """Every HTML GET page of the app, its parameters filled in."""
    from itertools import product


    urls = []
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or NOT_PAGES.search(rule.rule) or rule.endpoint in NOT_PAGE_ENDPOINTS:
                continue
            names = sorted(rule.arguments)
            missing = [n for n in names if n not in ids]
            assert not missing, f"{rule.rule}: no demo id for {missing}; add one to _demo_ids"
            for values in product(*(ids[n] for n in names)):
                urls.append(adapter.build(rule.endpoint, dict(zip(names, values))))
    return list(dict.fromkeys(urls))


@pytest.fixture(scope="module")
def pages(live_app):
    app, _ = live_app
    return _pages(app, _demo_ids(app))


def _sign_in(page, base, email):
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "demo1234")
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{email} could not sign in"


def _set_language(page, base, locale):
    """The header's language switcher (signed in, it saves the user's own setting)."""
    page.goto(base + "/verify")
    with page.expect_navigation():
        page.evaluate("""locale => { const s = document.getElementById("lang-select"); s.value = locale;
                                     s.form.submit(); }""", locale)
    assert page.evaluate("document.documentElement.lang") == locale


def _overflows(page, base, urls):
    """(url, overflow in px) for each page wider than the viewport; the pages the role may
    not open are skipped. Also returns how many pages were measured."""
    wide, measured = [], 0
    width = page.viewport_size["width"]
    for url in urls:
        response = page.goto(base + url, wait_until="load")
        if response is None or response.status in (401, 403, 404) or (
                page.url.split("?")[0].endswith("/login") and not url.startswith("/login")):
            continue
        assert response.status < 400, f"{url}: HTTP {response.status}"
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        measured += 1
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            wide.append((url, scroll - width))
    return wide, measured


@pytest.mark.parametrize("locale", ["en", "sv"])
def test_no_page_is_wider_than_a_phone(browser, live_server, pages, locale):
    problems, measured = [], {}
    for role, email in ROLES.items():
        context = browser.new_context(viewport=PHONE, locale="sv-SE" if locale == "sv" else "en-GB")
        page = context.new_page()
        try:
            if email:
                _sign_in(page, live_server, email)
                if locale != "en":
                    _set_language(page, live_server, locale)
            else:
                page.goto(live_server + "/")
                assert page.evaluate("document.documentElement.lang") == locale
            wide, measured[role] = _overflows(page, live_server, pages)
            problems += [f"{role}: {url} is {px} px wider than the screen" for url, px in wide]
        finally:
            if email and locale != "en":
                _set_language(page, live_server, "en")  # the demo logins read English
            context.close()
    assert all(measured.values()), f"a role opened no page: {measured}"
    assert problems == [], "\n".join(problems)


def test_page_list_covers_the_app(live_app, pages):
    """The list holds the pages this test is about (guards against an over-eager filter)."""
    for expected in ("/", "/me/learning", "/me/transcript", "/manager", "/me/events", "/manager/certificates"):
        assert expected in pages
    assert any(re.fullmatch(r"/events/\d+/roster", p) for p in pages)
    assert any(re.fullmatch(r"/sessions/\d+/attendance", p) for p in pages)
    assert any(re.fullmatch(r"/events/\d+/completion", p) for p in pages)
    assert any(re.fullmatch(r"/certificates/[^/.]+", p) for p in pages)
    assert not any(p.startswith("/api/") or p.endswith((".ics", ".pdf", ".csv", ".xlsx")) for p in pages)


def test_header_menu_collapses_on_a_phone(browser, live_server):
    """At 390 px the header links sit behind one "Menu" disclosure that the keyboard opens;
    at 1366 px they are a plain row and there is no Menu button."""
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    try:
        _sign_in(page, live_server, ROLES["coordinator"])
        menu = page.locator("header summary")
        people = page.locator("header nav").get_by_role("link", name="People", exact=True)
        assert menu.inner_text().strip() == "Menu" and menu.is_visible()
        assert not people.is_visible()
        menu.focus()
        page.keyboard.press("Enter")
        assert people.is_visible()
        assert page.locator("header details").get_attribute("open") is not None
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent").strip() == "Catalogue"

        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(live_server + "/me/learning")
        assert not menu.is_visible()
        assert people.is_visible()
        tops = page.locator("header nav a").evaluate_all("links => links.map(a => a.getBoundingClientRect().top)")
        assert len(set(tops)) <= 2, f"the menu is a row of links at 1366 px, not a column: {tops}"
    finally:
        context.close()
