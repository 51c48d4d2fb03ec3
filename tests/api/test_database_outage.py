"""A database outage answers 503 (error page, or the API's error format), never a 500."""
import pytest

UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-brobygger-dir/nested/x.db",
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=2",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def down_app(request):
    from tests.conftest import _test_config

    from lms import create_app

    app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": UNREACHABLE[request.param]})
    yield app
    with app.app_context():
        from lms.extensions import db

        db.engine.dispose()


def test_page_answers_503_with_the_error_page(down_app):
    r = down_app.test_client().get("/")
    assert r.status_code == 503
    page = r.get_data(as_text=True)
    assert "Temporarily unavailable" in page and "try again in a few minutes" in page
    assert r.headers["Retry-After"] == "60"


def test_signed_in_page_answers_503(down_app):
    from flask_login.utils import _create_identifier

    client = down_app.test_client()
    with down_app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as sess:
        sess["_user_id"] = "1"
        sess["_fresh"] = True
        sess["_id"] = identifier
    r = client.get("/me/certificates")
    assert r.status_code == 503 and "Temporarily unavailable" in r.get_data(as_text=True)


def test_api_answers_503_in_the_error_format(down_app):
    r = down_app.test_client().get("/api/v1/programmes", headers={"Authorization": "Bearer abc"})
    assert r.status_code == 503
    error = r.get_json()["error"]
    assert error["code"] == "service_unavailable" and error["fields"] == {}
    assert "temporarily unavailable" in error["message"]
    r = down_app.test_client().get("/api/v1/verify/ABCDABCDABCDABCD")
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "service_unavailable"
