"""Browser tests: Debian's Chromium driven by Playwright against a live server.

They run on their own SQLite database with the demo programme loaded and committed (a
browser needs committed data), so they never touch the suite's shared database. Skipped
on the PostgreSQL run (the pages are the same) and when Chromium is missing.
"""
import os
import shutil
import socket
import tempfile
import threading

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


# The live server's static files (style.css, favicon.svg) stay open when the browser leaves
# a page before it has read them; that is the test server's business, not the app's.
UNCLOSED_STATIC = "ignore:Exception ignored in. <_io.FileIO name='[^']*/static/:pytest.PytestUnraisableExceptionWarning"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.filterwarnings(UNCLOSED_STATIC))
    reason = None
    if config.getoption("--db") != "sqlite":
        reason = "browser tests run once, on the SQLite run"
    elif not os.path.exists(CHROMIUM):
        reason = "Debian chromium is not installed (make test installs it)"
    if reason:
        for item in items:
            if "browser" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def live_app():
    """The live server's application and address: ``(app, base_url)``. Use ``app.app_context()``
    to read ids from (or add rows to, and commit) the server's database."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from lms import create_app
    from lms.extensions import db

    directory = tempfile.mkdtemp(prefix="brobygger-browser-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/live.db", "SECRET_KEY": "browser-test",
                      "WTF_CSRF_ENABLED": True, "TESTING": False})
    with app.app_context():
        upgrade(revision="heads")
        from demo.load import load_demo

        load_demo()
        db.session.commit()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def live_server(live_app):
    return live_app[1]


@pytest.fixture(scope="session")
def demo_ids(live_app):
    """Ids from the demo programme for every URL parameter (tests/browser/pages.py)."""
    from tests.browser.pages import demo_ids

    return demo_ids(live_app[0])


@pytest.fixture(scope="session")
def pages(live_app, demo_ids):
    """Every HTML GET page of the app with demo ids filled in (tests/browser/pages.py)."""
    from tests.browser.pages import all_pages

    return all_pages(live_app[0], demo_ids)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sign_in(page, live_server):
    def _sign_in(email, password="demo1234"):
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").last.click()
        page.wait_for_load_state()
        return page

    return _sign_in
