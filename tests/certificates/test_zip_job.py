"""A manager's certificate zip of more than CERTIFICATE_ZIP_JOB_THRESHOLD files is written
as an export job: the progress page, then the zip from EXPORT_DIR."""
import io
import re
import zipfile

from sqlalchemy import select

from certificates.models import Certificate


def test_big_zip_is_a_job_with_progress(app, db, make, finalized, login, monkeypatch, tmp_path):
    from lms.reports.models import ExportJob

    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "CERTIFICATE_ZIP_JOB_THRESHOLD", 2)
    org = make.organisation()
    people = [make.person(organisation=org, name=f"Holder {i}") for i in range(3)]
    finalized("seminar", people=people + [make.person()])
    manager = make.person(role="manager", organisation=org)
    c = login(manager)
    started = c.post("/manager/certificates.zip", data={"all": "1"})
    assert started.status_code == 303 and re.fullmatch(r"/exports/\d+", started.headers["Location"])
    job = db.session.get(ExportJob, int(started.headers["Location"].rsplit("/", 1)[1]))
    assert job.table == "certificates" and job.format == "zip" and job.rows_total == 3 and job.status == "queued"
    page = c.get(started.headers["Location"])
    assert page.headers["Refresh"] == "2" and "0 of 3 rows written" in page.get_data(as_text=True)
    started.close()  # without a broker the zip is written once the response has gone
    text = c.get(started.headers["Location"]).get_data(as_text=True)
    assert "3 of 3 rows written" in text and "certificates.zip" in text
    link = re.search(r'href="(/exports/\d+/download)"', text).group(1)
    r = c.get(link)
    assert r.status_code == 200 and r.mimetype == "application/zip"
    stored = {cert.code: cert.pdf for cert in db.session.scalars(select(Certificate).filter_by(organisation_id=org.id))}
    with zipfile.ZipFile(io.BytesIO(r.data)) as archive:
        names = archive.namelist()
        assert len(names) == 3 and {name[-23:-4] for name in names} == set(stored)
        assert all(archive.read(name) == stored[name[-23:-4]] for name in names)
    # Another manager never sees it.
    assert login(make.person(role="manager", organisation=make.organisation())).get(link).status_code == 403


def test_small_zip_stays_a_direct_download(app, db, make, finalized, login, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_ZIP_JOB_THRESHOLD", 3)
    org = make.organisation()
    people = [make.person(organisation=org) for i in range(3)]
    finalized("seminar", people=people)
    r = login(make.person(role="manager", organisation=org)).post("/manager/certificates.zip", data={"all": "1"})
    assert r.status_code == 200 and r.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.data)) as archive:
        assert len(archive.namelist()) == 3
