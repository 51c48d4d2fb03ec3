"""One transaction boundary per request, decided by what happened in the view.

A view that returns normally has its work committed, whatever the status of its answer;
a view from which an exception escapes (GoBack, a DomainError, an abort) has all of its
work rolled back, also when the answer is a redirect. The views here are test-only
routes on a committed database, so what persisted is read back from the database.
"""
import uuid

import pytest
from flask import Blueprint, redirect, render_template_string
from sqlalchemy import select

from lms.errors import ValidationError
from lms.extensions import db
from lms.people.models import Organisation

bp = Blueprint("transaction_probe", __name__)
NAMES = {}


def _write(tag):
    name = NAMES[tag] = f"{tag}-{uuid.uuid4().hex[:8]}"
    db.session.add(Organisation(name=name))
    db.session.flush()
    return name


@bp.post("/_probe/go-back")
def write_then_go_back():
    from lms.web import GoBack

    _write("go-back")
    raise GoBack("Could not do that.", "/")


@bp.post("/_probe/invalid")
def write_then_invalid():
    _write("invalid")
    raise ValidationError("Not valid.", fields={"name": ["Bad."]})


@bp.post("/_probe/abort")
def write_then_abort():
    from flask import abort

    _write("abort")
    abort(403)


@bp.post("/_probe/redirect")
def write_then_redirect():
    _write("redirect")
    return redirect("/")


@bp.post("/_probe/page-422")
def write_then_show_422():
    _write("page-422")
    return "shown again", 422


@bp.route("/_probe/form", methods=["GET", "POST"])
def form_round_trip():
    from wtforms import StringField

    from lms.forms import FlaskForm
    from lms.web import round_trip

    class NameForm(FlaskForm):
        name = StringField()

    form = NameForm()

    def operation():
        _write("form-operation")
        raise ValidationError("Not valid.", fields={"name": ["Already taken."]})

    return round_trip(form, operation, page=lambda: render_template_string(
        "{% for e in form.name.errors %}<p class=field-error>{{ e }}</p>{% endfor %}", form=form),
        done=lambda _r: ("Saved.", "/"))


@pytest.fixture(scope="module")
def probe(committed_app):
    committed_app.register_blueprint(bp)
    return committed_app


def _persisted(app, tag):
    with app.app_context():
        found = db.session.scalar(select(Organisation.id).where(Organisation.name == NAMES[tag]))
        db.session.remove()
        return found is not None


def test_a_view_that_writes_then_goes_back_leaves_nothing(probe):
    client = probe.test_client()
    response = client.post("/_probe/go-back")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert session["_flashes"] == [("error", "Could not do that.")]
    assert not _persisted(probe, "go-back")


@pytest.mark.parametrize(("path", "tag", "status"), [
    ("/_probe/invalid", "invalid", 422),
    ("/_probe/abort", "abort", 403),
])
def test_an_exception_escaping_the_view_rolls_its_writes_back(probe, path, tag, status):
    assert probe.test_client().post(path).status_code == status
    assert not _persisted(probe, tag)


@pytest.mark.parametrize(("path", "tag", "status"), [
    ("/_probe/redirect", "redirect", 302),
    # Not the status decides: a view that answers 422 normally has its work kept.
    ("/_probe/page-422", "page-422", 422),
])
def test_a_view_that_returns_normally_is_committed(probe, path, tag, status):
    assert probe.test_client().post(path).status_code == status
    assert _persisted(probe, tag)


def test_the_form_round_trip_undoes_a_refused_operation(probe):
    response = probe.test_client().post("/_probe/form", data={"name": "x"})
    assert response.status_code == 422
    assert '<p class=field-error>Already taken.</p>' in response.get_data(as_text=True)
    assert not _persisted(probe, "form-operation")
