"""Certificates: issue on finalize, languages, stored bytes, verify, tamper check,
revoke and reissue, bulk issue (idempotent, failures isolated, resumable), access."""
import hashlib
import io
import zipfile

import pytest
from sqlalchemy import func, select

from certificates import operations, render
from certificates.codes import ALPHABET, new_code, normalize
from certificates.models import Certificate, CertificateBatch

NORDIC = "Åsa Öberg-Ærø"


def _only(db, **where):
    return db.session.scalars(select(Certificate).filter_by(**where)).all()


# --- codes -----------------------------------------------------------------------------------

def test_codes_are_80_bit_crockford_grouped_and_lookups_forgive_typing():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    code = codes.pop()
    assert len(code) == 19 and code.count("-") == 3
    assert set(code.replace("-", "")) <= set(ALPHABET) and not set("ILOU") & set(code)
    assert len(ALPHABET) ** 16 == 2 ** 80
    assert normalize(code.lower().replace("-", "")) == code
    assert normalize(" " + code.replace("-", " ") + " ") == code
    assert normalize("0000-1111-2222-3333".replace("0", "O").replace("1", "l")) == "0000-1111-2222-3333"
    assert normalize("too-short") is None and normalize("U" * 16) is None and normalize(None) is None


# --- issue on finalize -------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["seminar", "workshop", "network", "track"])
@pytest.mark.parametrize("locale", ["en", "sv", "da", "nb"])
def test_each_kind_renders_in_each_language_with_nordic_names(db, make, finalized, pdf_text, request_context, kind, locale):
    person = make.person(name=NORDIC, locale=locale, organisation=make.organisation(name=f"Skövde kommun {kind}{locale}"))
    programme = make.programme(name="Brobygger", issuer_name="Skaraborgs kommunalförbund", signer_name="Øystein Ødegård",
                               signer_title="Programansvarig")
    event, outcome = finalized(kind, people=[person], programme=programme, place="Växjö")
    [certificate] = _only(db, person_id=person.id)
    assert outcome.certificates == [certificate.code]
    assert certificate.locale == locale and certificate.kind == kind
    assert certificate.pdf.startswith(b"%PDF-")
    text = pdf_text(certificate.pdf)
    assert NORDIC in text
    assert "Skaraborgs kommunalförbund".upper() in text.upper()
    assert "Øystein Ødegård" in text
    assert certificate.code in text
    assert f"Activity {kind}" in text
    expected = {
        "en": "Certificate", "sv": "Intyg", "da": "Bevis", "nb": "Kursbevis",
    }[locale]
    assert expected in text
    if kind in ("seminar", "workshop"):
        assert "Växjö" in text
    if kind == "track":
        assert {"en": "Block 3", "sv": "Block 3", "da": "Blok 3", "nb": "Blokk 3"}[locale] in text
    if kind == "network":
        meetings = {"en": "Meetings attended: 3 of 3", "sv": "Möten med närvaro: 3 av 3",
                    "da": "Deltaget i 3 af 3 møder", "nb": "Deltatt på 3 av 3 møter"}[locale]
        assert meetings in " ".join(text.split())


def test_stored_once_and_downloaded_byte_identical(db, make, finalized, login, api):
    person = make.person()
    finalized("seminar", people=[person])
    [certificate] = _only(db, person_id=person.id)
    assert certificate.sha256 == hashlib.sha256(certificate.pdf).hexdigest()
    assert certificate.size == len(certificate.pdf)
    page = login(person).get(f"/certificates/{certificate.code}.pdf")
    assert page.status_code == 200 and page.mimetype == "application/pdf"
    assert page.data == certificate.pdf
    r = api(person).get(f"/api/v1/certificates/{certificate.code.lower()}.pdf")
    assert r.status_code == 200 and r.data == certificate.pdf
    assert hashlib.sha256(r.data).hexdigest() == certificate.sha256


def test_finalizing_again_issues_no_duplicates_and_answers_the_same_codes(db, make, finalized, trained, enrol, api):
    from lms.completion import operations as completion

    people = [make.person(), make.person()]
    event, first = finalized("workshop", people=people)
    assert len(first.certificates) == 2
    again = completion.finalize(event, by=None)
    assert sorted(again.certificates) == sorted(first.certificates)
    assert db.session.scalar(select(func.count()).select_from(Certificate).where(Certificate.event_id == event.id)) == 2


def test_finalize_api_answer_lists_the_codes_and_transcript_shows_them(db, make, trained, enrol, api):
    trainer, event = trained("seminar")
    person = make.person()
    e = enrol(person, event)
    assert api(trainer).put(f"/api/v1/sessions/{event.sessions[0].id}/attendance",
                            json=[{"enrollment_id": e.id, "status": "present"}]).status_code == 200
    body = api(trainer).post(f"/api/v1/events/{event.id}/finalize").get_json()
    [code] = body["certificates"]
    assert normalize(code) == code
    transcript = api(person).get(f"/api/v1/people/{person.id}/transcript").get_json()
    assert [i["certificate_code"] for i in transcript["items"]] == [code]


# --- verify and tamper check ---------------------------------------------------------------------

def test_verify_api_is_public(db, make, finalized, client):
    person = make.person(name=NORDIC)
    finalized("seminar", people=[person])
    [certificate] = _only(db, person_id=person.id)
    r = client.get(f"/api/v1/verify/{certificate.code.replace('-', '').lower()}")
    assert r.status_code == 200
    assert r.get_json() == {
        "valid": True, "holder_name": NORDIC, "activity_title": "Activity seminar",
        "issued_on": certificate.issued_at.date().isoformat(), "revoked": False, "sha256": certificate.sha256,
        "replaced_by": None,
    }
    missing = client.get("/api/v1/verify/0000-0000-0000-0000")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/verify/not-a-code").status_code == 404


def test_verify_page_is_public_and_localized_without_other_personal_data(db, make, finalized, client):
    person = make.person(name=NORDIC, email="asa.private@example.org", birth_year=1980)
    finalized("seminar", people=[person])
    [certificate] = _only(db, person_id=person.id)
    # (The test client shares one app context, so the first request fixes the locale.)
    r = client.get(f"/verify/{certificate.code}", headers={"Accept-Language": "sv"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert NORDIC in html and certificate.sha256 in html and "Giltigt" in html
    assert "asa.private@example.org" not in html and "1980" not in html
    assert client.get("/verify/0000-0000-0000-0000").status_code == 404
    assert client.get("/verify?code=" + certificate.code.lower()).headers["Location"].endswith(f"/verify/{certificate.code}")
    assert client.get("/verify?code=nonsense").status_code == 422


def test_tamper_check_matches_only_the_unchanged_file(db, make, finalized, client):
    person = make.person()
    finalized("seminar", people=[person])
    [certificate] = _only(db, person_id=person.id)
    ok = client.post("/verify", data={"pdf": (io.BytesIO(certificate.pdf), "c.pdf")}, content_type="multipart/form-data")
    assert ok.status_code == 200
    assert certificate.code in ok.get_data(as_text=True) and "No match" not in ok.get_data(as_text=True)
    changed = bytearray(certificate.pdf)
    changed[len(changed) // 2] ^= 0x01
    bad = client.post("/verify", data={"pdf": (io.BytesIO(bytes(changed)), "c.pdf")}, content_type="multipart/form-data")
    assert bad.status_code == 200 and "No match" in bad.get_data(as_text=True)
    empty = client.post("/verify", data={}, content_type="multipart/form-data")
    assert empty.status_code == 422
    # A hand-made body: the test client would spool a big form to a temporary file.
    body = (b'--B\r\nContent-Disposition: form-data; name="pdf"; filename="big.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n" + b"x" * (5 * 1024 * 1024 + 10) + b"\r\n--B--\r\n")
    big = client.post("/verify", data=body, content_type="multipart/form-data; boundary=B")
    assert big.status_code == 413 and "larger than 5 MB" in big.get_data(as_text=True)


def test_verify_is_rate_limited(app, db, make, finalized, client):
    person = make.person()
    finalized("seminar", people=[person])
    [certificate] = _only(db, person_id=person.id)
    from limits import parse

    limiter, limit = app.extensions["certificate_ratelimit"]
    app.config["RATELIMIT_ENABLED"] = True
    app.extensions["certificate_ratelimit"] = (limiter, parse("3/minute"))
    try:
        client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
        pages = [client.get(f"/verify/{certificate.code}").status_code for _ in range(4)]
        calls = [client.get(f"/api/v1/verify/{certificate.code}") for _ in range(4)]
        assert pages == [200, 200, 200, 429]
        assert [c.status_code for c in calls] == [200, 200, 200, 429]
        assert calls[-1].get_json()["error"]["code"] == "rate_limited"
        client.environ_base["REMOTE_ADDR"] = "203.0.113.8"
        assert client.get(f"/verify/{certificate.code}").status_code == 200
    finally:
        app.config["RATELIMIT_ENABLED"] = False
        app.extensions["certificate_ratelimit"] = (limiter, limit)
        client.environ_base.pop("REMOTE_ADDR", None)


# --- revoke and reissue ----------------------------------------------------------------------------

def test_revoke_with_reason_then_409_on_download_and_second_revoke(db, make, finalized, api, client):
    person = make.person()
    event, _ = finalized("seminar", people=[person])
    coordinator = make.person(role="coordinator", scope=event.activity.programme)
    [certificate] = _only(db, person_id=person.id)
    assert api(coordinator).post(f"/api/v1/certificates/{certificate.code}/revoke", json={}).status_code == 422
    assert api(person).post(f"/api/v1/certificates/{certificate.code}/revoke", json={"reason": "x"}).status_code == 403
    r = api(coordinator).post(f"/api/v1/certificates/{certificate.code}/revoke", json={"reason": "Issued by mistake"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["code"] == certificate.code and body["revoked_at"] and body["pdf_url"].endswith(".pdf")
    again = api(coordinator).post(f"/api/v1/certificates/{certificate.code}/revoke", json={"reason": "again"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "certificate_revoked"
    download = api(person).get(f"/api/v1/certificates/{certificate.code}.pdf")
    assert download.status_code == 409 and download.get_json()["error"]["code"] == "certificate_revoked"
    verify = client.get(f"/api/v1/verify/{certificate.code}").get_json()
    assert verify["valid"] is False and verify["revoked"] is True
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "revoked" in page and "Issued by mistake" in page


def test_reissue_after_a_name_correction_revokes_and_links(db, make, finalized, login, pdf_text):
    person = make.person(name="Asa Oberg")
    event, _ = finalized("seminar", people=[person])
    coordinator = make.person(role="coordinator", scope=event.activity.programme)
    [old] = _only(db, person_id=person.id)
    person.name = NORDIC
    client = login(coordinator)
    assert client.post(f"/certificates/{old.code}/reissue", data={"reason": ""}).status_code == 422
    r = client.post(f"/certificates/{old.code}/reissue", data={"reason": "Name misspelt"})
    assert r.status_code == 302
    db.session.refresh(old)
    new = old.replaced_by
    assert old.revoked_at and old.revoke_reason == "Name misspelt"
    assert new.valid and new.completion_id == old.completion_id and new.code != old.code
    assert NORDIC in pdf_text(new.pdf)
    page = client.get(f"/verify/{old.code}").get_data(as_text=True)
    assert new.code in page
    assert client.post(f"/certificates/{old.code}/revoke", data={"reason": "x"}).status_code == 409


def test_withdrawn_completion_revokes_its_certificate(db, make, finalized):
    from lms.attendance.models import Attendance
    from lms.completion import operations as completion

    person = make.person()
    event, _ = finalized("seminar", people=[person])
    [certificate] = _only(db, person_id=person.id)
    event.status = "closed"
    for mark in db.session.scalars(select(Attendance)):
        mark.status = "absent"
    completion.finalize(event, by=None)
    db.session.refresh(certificate)
    assert certificate.revoked_at is not None and certificate.completion_id is None


# --- bulk --------------------------------------------------------------------------------------------

def test_one_failing_certificate_does_not_stop_the_others(db, make, finalized, monkeypatch):
    real = operations._render

    def flaky(kind, context, locale):
        if context["holder_name"] == "Broken Person":
            raise RuntimeError("renderer exploded")
        return real(kind, context, locale)

    monkeypatch.setattr(operations, "_render", flaky)
    people = [make.person(name="Anna A"), make.person(name="Broken Person"), make.person(name="Cecilia C")]
    event, outcome = finalized("seminar", people=people)
    assert len(outcome.certificates) == 2
    batch = db.session.scalar(select(CertificateBatch).where(CertificateBatch.event_id == event.id))
    assert (batch.status, batch.total, batch.issued, batch.failed) == ("finished", 3, 2, 1)
    assert "renderer exploded" in batch.failures[0].message
    # Fixed: issuing again fills the gap only.
    monkeypatch.setattr(operations, "_render", real)
    again = operations.run_batch(operations.start_batch(event).id)
    assert (again.issued, again.skipped, again.failed) == (1, 0, 0)
    assert db.session.scalar(select(func.count()).select_from(Certificate).where(Certificate.event_id == event.id)) == 3


def test_a_task_interrupted_mid_batch_keeps_what_it_committed_and_the_rerun_issues_the_rest(
        app, db, make, finalized, monkeypatch):
    """In-process, on every database: the hook queues the batch after commit; a task
    stopped after two certificates leaves them committed; run again, it issues the rest
    once. (test_worker_killed.py kills a real worker.)"""
    from certificates import tasks

    queued = []
    monkeypatch.setattr(operations, "_eager", lambda: False)
    monkeypatch.setattr(tasks.issue_batch, "apply_async", lambda args=None, **kw: queued.append(args[0]))
    people = [make.person() for _ in range(5)]
    event, outcome = finalized("seminar", people=people)
    assert outcome.certificates == []
    db.session.commit()  # the request's commit hands the batch over
    [batch_id] = queued
    batch = db.session.get(CertificateBatch, batch_id)
    assert (batch.status, batch.total, batch.done) == ("queued", 5, 0)

    class Killed(BaseException):
        pass

    calls = {"n": 0}
    real = operations._render

    def dying(kind, context, locale):
        calls["n"] += 1
        if calls["n"] == 3:
            raise Killed()
        return real(kind, context, locale)

    monkeypatch.setattr(operations, "_render", dying)
    with pytest.raises(Killed):
        tasks.issue_batch.run(batch_id)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Certificate).where(Certificate.event_id == event.id)) == 2
    batch = db.session.get(CertificateBatch, batch_id)
    assert (batch.status, batch.issued) == ("running", 2)
    monkeypatch.setattr(operations, "_render", real)
    tasks.issue_batch.run(batch_id)  # redelivered (late ack)
    tasks.issue_batch.run(batch_id)  # and once more: nothing new
    batch = db.session.get(CertificateBatch, batch_id)
    assert (batch.status, batch.total, batch.issued, batch.failed) == ("finished", 5, 5, 0)
    codes = db.session.scalars(select(Certificate.completion_id).where(Certificate.event_id == event.id)).all()
    assert len(codes) == 5 == len(set(codes))
    assert tasks.issue_batch.acks_late is True


def test_bulk_pages_issue_and_show_progress(db, make, finalized, login, monkeypatch):
    real = operations._render
    monkeypatch.setattr(operations, "_render", lambda *a: (_ for _ in ()).throw(RuntimeError("no fonts")))
    people = [make.person(), make.person()]
    event, _ = finalized("seminar", people=people)
    monkeypatch.setattr(operations, "_render", real)
    coordinator = make.person(role="coordinator", scope=event.activity.programme)
    client = login(coordinator)
    page = client.get(f"/events/{event.id}/certificates")
    assert page.status_code == 200 and "2 completions have no certificate yet" in page.get_data(as_text=True)
    r = client.post(f"/events/{event.id}/certificates/issue")
    assert r.status_code == 302
    progress = client.get(r.headers["Location"])
    text = progress.get_data(as_text=True)
    assert progress.status_code == 200 and "2 of 2 certificates handled" in text and "Refresh" not in progress.headers
    other = login(make.person(role="trainer"))
    assert other.get(f"/events/{event.id}/certificates").status_code == 403


def test_cli_issues_with_a_progress_bar(app, db, make, finalized, monkeypatch):
    real = operations._render
    monkeypatch.setattr(operations, "_render", lambda *a: (_ for _ in ()).throw(RuntimeError("down")))
    event, _ = finalized("seminar", people=[make.person(), make.person(), make.person()])
    monkeypatch.setattr(operations, "_render", real)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["certificates", "issue", "--event", str(event.id)])
    assert result.exit_code == 0, result.output
    assert "3 issued, 0 already there, 0 failed" in result.output
    result = app.test_cli_runner().invoke(args=["certificates", "issue", "--event", str(event.id)])
    assert "already has a valid certificate" in result.output
    assert app.test_cli_runner().invoke(args=["certificates", "issue", "--event", "999999"]).exit_code != 0


# --- access ------------------------------------------------------------------------------------------

def test_access_holder_manager_coordinator_and_other_organisation(db, make, finalized, login, api):
    org, other_org = make.organisation(), make.organisation()
    person = make.person(organisation=org)
    event, _ = finalized("seminar", people=[person])
    [certificate] = _only(db, person_id=person.id)
    manager = make.person(role="manager", organisation=org)
    stranger_manager = make.person(role="manager", organisation=other_org)
    colleague = make.person(organisation=org)
    coordinator = make.person(role="coordinator", scope=event.activity.programme)
    for who, status in ((person, 200), (manager, 200), (coordinator, 200), (stranger_manager, 403), (colleague, 403)):
        assert api(who).get(f"/api/v1/certificates/{certificate.code}").status_code == status, who
        assert api(who).get(f"/api/v1/certificates/{certificate.code}.pdf").status_code == status, who
        assert login(who).get(f"/certificates/{certificate.code}.pdf").status_code == status, who
    assert api(None).get(f"/api/v1/certificates/{certificate.code}").status_code == 401
    listed = api(stranger_manager).get(f"/api/v1/certificates?person_id={person.id}").get_json()
    assert listed["items"] == [] and listed["total"] == 0
    mine = api(person).get("/api/v1/certificates").get_json()
    assert [c["code"] for c in mine["items"]] == [certificate.code]
    assert api(manager).get("/api/v1/certificates?person_id=abc").status_code == 422
    assert api(person).post(f"/api/v1/certificates/{certificate.code}/revoke", json={"reason": "no"}).status_code == 403
    assert api(manager).post(f"/api/v1/certificates/{certificate.code}/revoke", json={"reason": "no"}).status_code == 403


def test_my_certificates_and_manager_list_with_zip(db, make, finalized, login):
    org = make.organisation()
    people = [make.person(organisation=org, name=f"Holder {i}") for i in range(3)]
    outsider = make.person()
    finalized("seminar", people=people + [outsider])
    manager = make.person(role="manager", organisation=org)
    mine = login(people[0]).get("/me/certificates")
    assert mine.status_code == 200 and "Activity seminar" in mine.get_data(as_text=True)
    listing = login(manager).get("/manager/certificates")
    text = listing.get_data(as_text=True)
    assert listing.status_code == 200 and "Holder 0" in text and outsider.name not in text
    assert login(people[0]).get("/manager/certificates").status_code == 403
    r = login(manager).post("/manager/certificates.zip", data={"all": "1"})
    assert r.status_code == 200 and r.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.data)) as archive:
        names = archive.namelist()
        assert len(names) == 3 and all(n.endswith(".pdf") for n in names)
        stored = {c.code: c.pdf for c in _only(db, organisation_id=org.id)}
        for name in names:
            code = name[-23:-4]
            assert archive.read(name) == stored[code]
    outsider_code = _only(db, person_id=outsider.id)[0].code
    r = login(manager).post("/manager/certificates.zip", data={"code": [outsider_code]})
    assert r.status_code == 302  # not theirs: nothing to download


def test_empty_lists_say_something_helpful(db, make, login):
    assert "No certificates yet" in login(make.person()).get("/me/certificates").get_data(as_text=True)


# --- rendering set-up -----------------------------------------------------------------------------------

def test_url_fetcher_refuses_files_and_outside_urls():
    fetcher = render.state().fetcher
    for url in ("file:///etc/passwd", "http://example.org/x.png", "https://example.org/font.ttf",
                "brobygger-asset:/../../config.py", "brobygger-asset:/fonts/../codes.py"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch("brobygger-asset:/fonts/DejaVuSans.ttf").read(4) == b"\x00\x01\x00\x00"


def test_templates_are_sandboxed():
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    env = render.state().env
    assert isinstance(env, SandboxedEnvironment)
    with pytest.raises(SecurityError):
        env.from_string("{{ ''.__class__.__mro__[1].__subclasses__() }}").render()


def test_harfbuzz_subsetting_is_used(app, request_context):
    """WeasyPrint is ~6x slower without HarfBuzz's subsetter (bench/certificates.py
    measures the render time; a unit test makes no speed claim)."""
    import ctypes.util

    assert render.harfbuzz_subset_available(), "install libharfbuzz-subset0: WeasyPrint is ~6x slower without it"
    assert ctypes.util.find_library("harfbuzz-subset") is not None
    context = {
        "locale": "en", "kind": "seminar", "kind_label": "Seminar", "code": "7KQ2-M9XD-4TPA-V0BN",
        "holder_name": NORDIC, "organisation_name": "Org", "activity_title": "Title", "programme_name": "P",
        "issuer_name": "Issuer", "signer_name": "", "signer_title": "", "lines": ["Date: 1 March 2027"],
        "hours": "3.00", "issued_on": "1 March 2027", "verify_url": "http://x/verify/7KQ2-M9XD-4TPA-V0BN",
        "qr": render.qr_data_uri("http://x/verify/7KQ2-M9XD-4TPA-V0BN"),
    }
    pdf = render.render_pdf("seminar", context)[1]
    assert pdf.startswith(b"%PDF-")


def test_certificate_page_and_revoke_form_for_coordinators(db, make, finalized, login, client):
    person = make.person()
    event, _ = finalized("network", people=[person])
    [certificate] = _only(db, person_id=person.id)
    coordinator = make.person(role="coordinator", scope=event.activity.programme)
    holder_page = login(person).get(f"/certificates/{certificate.code}").get_data(as_text=True)
    assert certificate.sha256 in holder_page and "/revoke" not in holder_page
    c = login(coordinator)
    page = c.get(f"/certificates/{certificate.code}")
    assert page.status_code == 200 and f"/certificates/{certificate.code}/revoke" in page.get_data(as_text=True)
    form = c.get(f"/certificates/{certificate.code}/revoke")
    assert form.status_code == 200 and f"<h1>Revoke certificate {certificate.code}</h1>" in form.get_data(as_text=True)
    assert c.post(f"/certificates/{certificate.code}/revoke", data={"reason": "  "}).status_code == 422
    assert certificate.revoked_at is None
    r = c.post(f"/certificates/{certificate.code}/revoke", data={"reason": "Wrong person"})
    assert r.status_code == 302 and certificate.revoked_at is not None
    assert login(person).get(f"/certificates/{certificate.code}.pdf").status_code == 409
    assert login(person).post(f"/certificates/{certificate.code}/revoke", data={"reason": "x"}).status_code == 403
    assert login(person).get("/certificates/0000-0000-0000-0000").status_code == 404
    from flask import g

    with client.session_transaction() as sess:
        sess.clear()
    g.pop("_login_user", None)
    anonymous = client.get(f"/certificates/{certificate.code}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    verify = client.get("/verify")  # public
    assert verify.status_code == 200 and 'action="/verify"' in verify.get_data(as_text=True)
