"""Exports as background jobs: the API contract (202, status, download), who sees a job,
the HTML flow (dashboard button, progress page, download), failures and the clean-up."""
import csv
import io
import os
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from tests.reports.test_exports import _setup


@pytest.fixture
def export_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path))
    return tmp_path


def _csv(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff")), delimiter=";"))


def test_api_job_answers_202_and_then_serves_the_same_rows(api, make, db, export_dir):
    programme, _mine = _setup(make, db)
    c = api(make.person(role="coordinator", scope=programme))
    started = c.post(f"/api/v1/programmes/{programme.id}/exports", json={"table": "participation", "format": "csv"})
    assert started.status_code == 202
    body = started.get_json()
    assert set(body) == {"job_id", "status_url"} and body["status_url"] == f"/api/v1/exports/{body['job_id']}"
    assert started.headers["Location"] == body["status_url"]
    # Not closed yet: without a broker the job runs once the response has been sent.
    waiting = c.get(body["status_url"]).get_json()
    assert waiting["status"] == "queued" and waiting["download_url"] is None and waiting["rows_done"] == 0
    assert c.get(f"/api/v1/exports/{body['job_id']}/download").status_code == 409
    started.close()
    db.session.expire_all()
    done = c.get(body["status_url"]).get_json()
    assert done["status"] == "done" and done["rows_done"] == done["rows_total"] == 2
    assert done["download_url"] == f"/api/v1/exports/{body['job_id']}/download"
    r = c.get(done["download_url"])
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "private" in r.headers["Cache-Control"] and "participation.csv" in r.headers["Content-Disposition"]
    synchronous = c.get(f"/api/v1/programmes/{programme.id}/report.csv")
    assert synchronous.status_code == 200  # the synchronous export stays as it was
    assert _csv(r.data) == _csv(synchronous.data) and len(_csv(r.data)) == 3
    # The file lives in EXPORT_DIR, not in the database.
    assert len([p for p in os.listdir(export_dir) if p.endswith(".csv")]) == 1


def test_status_goes_running_with_totals_then_done(api, make, db, export_dir, monkeypatch):
    from lms.reports import exports

    programme, _mine = _setup(make, db)
    saved = []
    original = exports._save
    monkeypatch.setattr(exports, "_save", lambda job_id, **values: (saved.append(dict(values)), original(job_id, **values)))
    monkeypatch.setattr(exports, "PROGRESS_EVERY_ROWS", 1)
    c = api(make.person(role="coordinator", scope=programme))
    r = c.post(f"/api/v1/programmes/{programme.id}/exports", json={"table": "participation", "format": "xlsx"})
    r.close()
    assert saved[0]["status"] == "running" and saved[0]["rows_total"] == 2 and saved[0]["rows_done"] == 0
    assert [s["rows_done"] for s in saved[1:]][:2] == [1, 2]
    job = c.get(r.get_json()["status_url"]).get_json()
    assert job["status"] == "done" and job["format"] == "xlsx"
    got = list(load_workbook(io.BytesIO(c.get(job["download_url"]).data), read_only=True).active.values)
    want = list(load_workbook(io.BytesIO(c.get(f"/api/v1/programmes/{programme.id}/report.xlsx").data),
                              read_only=True).active.values)
    assert got == want and len(got) == 3


def test_goal_table_job_and_manager_scope(api, make, db, export_dir):
    programme, mine = _setup(make, db)
    manager = api(make.person(role="manager", organisation=mine))
    r = manager.post(f"/api/v1/programmes/{programme.id}/exports", json={"table": "participation", "format": "csv"})
    r.close()
    rows = _csv(manager.get(f"/api/v1/exports/{r.get_json()['job_id']}/download").data)
    assert len(rows) == 2 and rows[1][0] == "Åtvidabergs kommun"  # only their organisation's row
    c = api(make.person(role="coordinator", scope=programme))
    r = c.post(f"/api/v1/programmes/{programme.id}/exports", json={"table": "goals", "format": "csv", "delimiter": "comma"})
    r.close()
    text = c.get(f"/api/v1/exports/{r.get_json()['job_id']}/download").get_data(as_text=True)
    assert text == c.get(f"/api/v1/programmes/{programme.id}/goals.csv?delimiter=comma").get_data(as_text=True)
    assert "Alla,Persons,persons,2,2,1" in text


def test_who_may_start_and_see_a_job(api, make, db, export_dir):
    programme, mine = _setup(make, db)
    other_programme = make.programme()
    coordinator = make.person(role="coordinator", scope=programme)
    c = api(coordinator)
    url = f"/api/v1/programmes/{programme.id}/exports"
    assert api(make.person()).post(url, json={"table": "goals", "format": "csv"}).status_code == 403
    assert api(make.person(role="coordinator", scope=other_programme)).post(
        url, json={"table": "goals", "format": "csv"}).status_code == 403
    assert api(None).post(url, json={"table": "goals", "format": "csv"}).status_code == 401
    assert c.post("/api/v1/programmes/999999/exports", json={"table": "goals", "format": "csv"}).status_code == 404
    bad = c.post(url, json={"table": "people", "format": "pdf"})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"table", "format"}
    bad = c.post(url, json={"table": ["goals"], "format": "csv", "delimiter": ["comma"]})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"table", "delimiter"}
    r = c.post(url, json={"table": "participation", "format": "csv"})
    r.close()
    job_id = r.get_json()["job_id"]
    for path in (f"/api/v1/exports/{job_id}", f"/api/v1/exports/{job_id}/download"):
        assert c.get(path).status_code == 200
        # A job of a programme they do not coordinate does not exist for them.
        assert api(make.person(role="coordinator", scope=other_programme)).get(path).status_code == 404
        assert api(make.person()).get(path).status_code == 404
        # Those who may make this export themselves are refused someone else's.
        assert api(make.person(role="manager", organisation=mine)).get(path).status_code == 403
        assert api(make.person(role="coordinator", scope=programme)).get(path).status_code == 403
        assert api(make.person(role="admin")).get(path).status_code == 403
        assert api(None).get(path).status_code == 401
    assert c.get("/api/v1/exports/999999").status_code == 404


def test_a_failing_job_says_so(api, make, db, export_dir, monkeypatch, login):
    from lms.reports import operations as ops

    programme, _mine = _setup(make, db)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")
        yield

    monkeypatch.setattr(ops, "participation_rows", broken)
    coordinator = make.person(role="coordinator", scope=programme)
    r = api(coordinator).post(f"/api/v1/programmes/{programme.id}/exports", json={"table": "participation", "format": "csv"})
    r.close()
    job = api(coordinator).get(r.get_json()["status_url"]).get_json()
    assert job["status"] == "failed" and job["download_url"] is None and "failed" in job["error"]
    assert "disk on fire" not in job["error"]  # the details go to the log, not to the user
    assert os.listdir(export_dir) == []  # no half-written file is left
    assert api(coordinator).get(f"/api/v1/exports/{job['job_id']}/download").status_code == 404
    page = login(coordinator).get(f"/exports/{job['job_id']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Refresh" not in page.headers
    assert re.search(r'role="alert"[^>]*>The export failed', text)
    assert f'action="/programmes/{programme.id}/exports"' in text  # start it again


def test_html_flow_dashboard_button_progress_page_download(client, make, db, login, export_dir):
    programme, mine = _setup(make, db)
    coordinator = make.person(role="coordinator", scope=programme)
    c = login(coordinator)
    dashboard = c.get(f"/programmes/{programme.id}/dashboard").get_data(as_text=True)
    forms = re.findall(rf'<form method="post" action="/programmes/{programme.id}/exports"' , dashboard)
    assert len(forms) == 4 and 'name="csrf_token"' in dashboard
    started = c.post(f"/programmes/{programme.id}/exports", data={"table": "participation", "format": "csv"})
    assert started.status_code == 303
    page_url = started.headers["Location"]
    assert re.fullmatch(r"/exports/\d+", page_url)
    running = c.get(page_url)  # the first response is not closed yet: the job waits
    text = running.get_data(as_text=True)
    assert running.headers["Refresh"] == "2"
    assert 'role="status"' in text and "<progress" in text and 'aria-label="Export progress"' in text
    assert "0 of 0 rows written" in text and "Download" not in text
    started.close()
    done = c.get(page_url)
    text = done.get_data(as_text=True)
    assert "Refresh" not in done.headers
    assert "2 of 2 rows written" in text and 'max="2" value="2"' in text
    assert f'href="/programmes/{programme.id}/dashboard">Dashboard</a>' in text
    link = re.search(r'href="(/exports/\d+/download)"', text).group(1)
    r = c.get(link)
    assert r.status_code == 200 and r.mimetype == "text/csv" and len(_csv(r.data)) == 3
    # Bad choices and other people's jobs.
    assert c.post(f"/programmes/{programme.id}/exports", data={"table": "x", "format": "csv"}).status_code == 400
    assert login(make.person(role="manager", organisation=mine)).get(page_url).status_code == 403
    assert login(make.person(role="coordinator", scope=make.programme())).get(page_url).status_code == 404
    assert login(make.person()).get(link).status_code == 404


def test_clean_up_removes_expired_files_and_rows(app, make, db, export_dir, clock):
    from lms.reports import exports
    from lms.reports.models import ExportJob
    from lms.types import utcnow

    programme, _mine = _setup(make, db)
    coordinator = make.person(role="coordinator", scope=programme)
    old = exports.start("goals", "csv", by=coordinator, programme=programme)
    db.session.commit()  # outside a request the job runs at once
    assert old.status == "done" and (export_dir / old.file).is_file()
    old_file = old.file
    orphan = export_dir / "abandoned.csv.part"
    orphan.write_text("x")
    stamp = (utcnow() - timedelta(hours=1)).timestamp()
    os.utime(orphan, (stamp, stamp))
    clock.advance(hours=25)
    fresh = exports.start("goals", "xlsx", by=coordinator, programme=programme)
    db.session.commit()
    young = export_dir / "young.part"  # a run still writing
    young.write_text("x")
    os.utime(young, (utcnow().timestamp(), utcnow().timestamp()))
    assert exports.clean_expired() == (1, 2)
    db.session.commit()
    assert db.session.get(ExportJob, old.id) is None and not (export_dir / old_file).exists() and not orphan.exists()
    assert db.session.get(ExportJob, fresh.id) is not None and (export_dir / fresh.file).is_file() and young.exists()


def test_clean_up_runs_from_beat_and_from_the_cli(app, make, db, export_dir, clock):
    from lms.extensions import celery
    from lms.reports import exports
    from lms.reports.models import ExportJob
    from lms.reports.tasks import clean_exports

    assert celery.conf.beat_schedule["clean-exports"]["task"] == clean_exports.name == "reports.clean_exports"
    programme, _mine = _setup(make, db)
    coordinator = make.person(role="coordinator", scope=programme)
    first = exports.start("goals", "csv", by=coordinator, programme=programme)
    db.session.commit()
    clock.advance(hours=25)
    assert clean_exports.delay().get() == {"jobs": 1, "files": 1}
    assert db.session.get(ExportJob, first.id) is None
    second = exports.start("goals", "csv", by=coordinator, programme=programme)
    db.session.commit()
    clock.advance(hours=25)
    result = app.test_cli_runner().invoke(args=["jobs", "clean-exports"])
    assert result.exit_code == 0 and "1 export jobs and 1 files removed." in result.output
    assert not list(export_dir.iterdir())
    assert db.session.get(ExportJob, second.id) is None


def test_a_job_nobody_started_is_handed_over_again(api, make, db, export_dir, clock):
    programme, _mine = _setup(make, db)
    c = api(make.person(role="coordinator", scope=programme))
    r = c.post(f"/api/v1/programmes/{programme.id}/exports", json={"table": "goals", "format": "csv"})
    status_url = r.get_json()["status_url"]
    # The first response is never closed (the process went away): its job never starts.
    clock.advance(seconds=60)
    again = c.get(status_url)
    assert again.get_json()["status"] == "queued"
    again.close()
    db.session.expire_all()
    assert c.get(status_url).get_json()["status"] == "done"


def test_progress_is_visible_to_other_processes_while_rows_stream(request, tmp_path, monkeypatch):
    """On a real database (not the tests' one shared connection): the worker streams rows
    and writes its progress on a connection of its own, which others see at once; the
    status and the file are then served by another client (another process or host)."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from lms import create_app
    from lms.auth.operations import issue_token
    from lms.enrollment.models import Enrollment
    from lms.extensions import db
    from lms.reports import exports
    from tests.conftest import Factory, _test_config, new_database_url

    with new_database_url(request, "exports") as url:
        app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": url, "EXPORT_DIR": str(tmp_path)})
        try:
            with app.app_context():
                upgrade(revision="heads")
                make = Factory(db)
                programme = make.programme()
                event = make.event(make.activity(programme), capacity=100)
                for _ in range(5):
                    person = make.person()
                    db.session.add(Enrollment(event=event, person=person, status="enrolled",
                                              organisation_id=person.organisation_id, job_function_id=person.job_function_id))
                token = issue_token(make.person(role="coordinator", scope=programme))[0]
                db.session.commit()
                programme_id = programme.id
                db.session.remove()
                seen = []
                observer = sa.create_engine(url)
                original = exports._Progress.save

                def save_and_look(self):
                    original(self)
                    with observer.connect() as connection:  # another process's view
                        seen.append(connection.execute(sa.text("SELECT status, rows_done FROM export_job")).one())

                monkeypatch.setattr(exports._Progress, "save", save_and_look)
                monkeypatch.setattr(exports, "PROGRESS_EVERY_ROWS", 1)
            auth = {"Authorization": f"Bearer {token}"}
            started = app.test_client().post(f"/api/v1/programmes/{programme_id}/exports", headers=auth,
                                             json={"table": "participation", "format": "csv"})
            assert started.status_code == 202
            started.close()
            assert [tuple(row) for row in seen][:5] == [("running", n) for n in range(1, 6)]
            other = app.test_client()
            status = other.get(started.get_json()["status_url"], headers=auth).get_json()
            assert status["status"] == "done" and status["rows_done"] == status["rows_total"] == 5
            download = other.get(status["download_url"], headers=auth)
            assert download.data == other.get(f"/api/v1/programmes/{programme_id}/report.csv", headers=auth).data
            observer.dispose()
        finally:
            with app.app_context():
                db.engine.dispose()
