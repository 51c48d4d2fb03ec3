"""The pages of the app as the browser tests see them, shared by the phone-layout and the
accessibility checks: every HTML GET page (from the URL map, minus the JSON API, static files
and downloads) with its URL parameters filled with real ids from the demo programme, the demo
login of each role, and how to open a page as a role in a language.
"""
import re
from contextlib import contextmanager
from itertools import product

ROLES = {  # role -> demo login (None: not signed in)
    "anonymous": None,
    "staff": "anna.personal@demo.brobygger.se",
    "trainer": "utbildare@demo.brobygger.se",
    "manager": "chef.orebro@demo.brobygger.se",
    "coordinator": "koordinator@demo.brobygger.se",
    "admin": "admin@demo.brobygger.se",
}
PHONE = {"width": 390, "height": 844}
BROWSER_LOCALES = {"en": "en-GB", "sv": "sv-SE", "da": "da-DK", "nb": "nb-NO"}
PASSWORD = "demo1234"
# Rules that answer something other than an HTML page.
NOT_PAGES = re.compile(r"^/(api|static)/|\.(ics|pdf|csv|xlsx|zip)$|<fmt>$")
NOT_PAGE_ENDPOINTS = {"programmes.outcome_attachment", "reports.export_download"}  # the files themselves


def demo_ids(app):
    """Ids from the demo programme for every URL parameter (several values where one page
    looks different for different objects, e.g. an open and a finalized event)."""
    from sqlalchemy import func, select

    from certificates import operations as certs
    from certificates.models import Certificate, CertificateBatch
    from lms.catalog.models import Event, Session, event_trainer
    from lms.completion.models import Completion
    from lms.enrollment.models import Enrollment
    from lms.extensions import db
    from lms.people.models import Person
    from lms.plugins import registry
    from lms.programmes.models import Goal
    from lms.reports import exports

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
        enrollment = s.scalar(select(Enrollment).where(Enrollment.event_id == open_event.id,
                                                       Enrollment.status == "enrolled").order_by(Enrollment.id))
        goals = s.scalars(select(Goal).where(Goal.programme_id == open_event.activity.programme_id)).all()
        # A finished export of the coordinator's (only its starter sees a job).
        coordinator = s.scalar(select(Person).where(Person.email == ROLES["coordinator"]))
        job = exports.start("participation", "xlsx", by=coordinator, programme=open_event.activity.programme)
        ids = {
            "programme_id": [open_event.activity.programme_id],
            "activity_id": [open_event.activity_id],
            "event_id": [open_event.id, done_event.id],
            "session_id": [session.id],
            "enrollment_id": [enrollment.id],
            "person_id": [staff.id],
            "org_id": [staff.organisation_id],
            "fn_id": [staff.job_function_id],
            "goal_id": sorted({next(g.id for g in goals if g.unit == unit) for unit in {g.unit for g in goals}}),
            "kind_code": sorted(registry.codes()),
            "code": [certificate.code],
            "batch_id": [batch.id],
            "job_id": [job.id],
        }
        s.commit()
        assert s.get(Certificate, certificate.id) is not None
        return ids


def all_pages(app, ids):
    """Every HTML GET page of the app, its parameters filled in."""
    urls = []
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or NOT_PAGES.search(rule.rule) or rule.endpoint in NOT_PAGE_ENDPOINTS:
                continue
            names = sorted(rule.arguments)
            missing = [n for n in names if n not in ids]
            assert not missing, f"{rule.rule}: no demo id for {missing}; add one to demo_ids"
            for values in product(*(ids[n] for n in names)):
                urls.append(adapter.build(rule.endpoint, dict(zip(names, values))))
    return list(dict.fromkeys(urls))


def sign_in(page, base, email, password=PASSWORD):
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{email} could not sign in"


def set_language(page, base, locale):
    """The header's language switcher (signed in, it saves the user's own setting)."""
    page.goto(base + "/verify")
    with page.expect_navigation():
        page.evaluate("""locale => { const s = document.getElementById("lang-select"); s.value = locale;
                                     s.form.submit(); }""", locale)
    assert page.evaluate("document.documentElement.lang") == locale


@contextmanager
def as_role(browser, base, role, locale="en", **context_options):
    """A page in a new browser context, signed in as ``role`` (a key of ROLES) and reading
    ``locale``; a login's language is set back to English afterwards (the demo logins read
    English)."""
    email = ROLES[role]
    context = browser.new_context(locale=BROWSER_LOCALES[locale], **context_options)
    page = context.new_page()
    try:
        if email:
            sign_in(page, base, email)
            if locale != "en":
                set_language(page, base, locale)
        else:
            page.goto(base + "/")
            assert page.evaluate("document.documentElement.lang") == locale
        yield page
    finally:
        try:
            if email and locale != "en":
                set_language(page, base, "en")
        finally:
            context.close()


def open_pages(page, base, urls):
    """Opens each page in turn and yields its url once loaded; pages the role may not open
    (401/403/404 or a redirect to the sign-in page) and answers that are not HTML are skipped."""
    for url in urls:
        response = page.goto(base + url, wait_until="load")
        if response is None or response.status in (401, 403, 404) or (
                page.url.split("?")[0].endswith("/login") and not url.startswith("/login")):
            continue
        # 409: the page that says why it cannot be done now (e.g. finalizing an event too early).
        assert response.status < 400 or response.status == 409, f"{url}: HTTP {response.status}"
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        yield url
