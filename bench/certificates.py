"""Certificate rendering benchmark.

Renders N certificates through the real pipeline (database -> sandboxed template -> QR
-> WeasyPrint with the shared FontConfiguration and parsed CSS -> sha256 -> stored row)
in a warm process and prints median and p90 ms per certificate; then the same for a bare
WeasyPrint render of the same HTML string (same fonts and stylesheets, nothing else), and
their ratio (must be <= 1.2). Then throughput with 1 and 2 worker processes.

    .venv/bin/python bench/certificates.py [--n 60] [--out DIR]

``--out DIR`` also writes one certificate per kind and language there (to look at).
"""
import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KINDS = ["seminar", "workshop", "network", "track"]
LOCALES = ["en", "sv", "da", "nb"]
NAMES = ["Åsa Öberg-Ærø", "Søren Æbeltoft", "Björn Ångström", "Øydis Hæreid", "Märta Lindqvist", "Jørgen Åsheim"]
SESSIONS = {"seminar": 1, "workshop": 2, "network": 3, "track": 5}


def _app(url):
    from lms import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": False,
                       "BASE_URL": "https://brobygger.example.org"})


def prepare(app, n):
    """A programme with one event per kind, ``n`` people spread over them, all present,
    finalized without certificates. Returns the completions."""
    from flask_migrate import upgrade

    from lms.attendance.models import Attendance
    from lms.catalog.models import Activity, Event, Session
    from lms.completion import operations as completion
    from lms.enrollment.models import Enrollment
    from lms.extensions import db
    from lms.people.models import JobFunction, Organisation, Person
    from lms.plugins import registry
    from lms.programmes.models import Programme

    upgrade(revision="heads")
    programme = Programme(code="BENCH", name="Brobygger 2027", issuer_name="Skaraborgs kommunalförbund",
                          signer_name="Øystein Ødegård", signer_title="Programansvarig")
    organisation = Organisation(name="Skövde kommun", kind="municipality")
    function = JobFunction(code="bench", name="Bench")
    db.session.add_all([programme, organisation, function])
    events = []
    start = datetime(2027, 3, 1, 8, tzinfo=timezone.utc)
    for kind in KINDS:
        activity = Activity(programme=programme, kind=kind, title=f"Barns rättigheter i praktiken ({kind})",
                            settings=registry.get(kind).default_settings())
        event = Event(activity=activity, capacity=10_000, status="open", place="Växjö, Stadshuset")
        for i in range(SESSIONS[kind]):
            s = start + timedelta(days=7 * i)
            event.sessions.append(Session(starts_at=s, ends_at=s + timedelta(hours=6)))
        db.session.add(event)
        events.append(event)
    db.session.flush()
    for i in range(n):
        person = Person(email=f"bench{i}@example.org", name=f"{NAMES[i % len(NAMES)]} {i}", organisation=organisation,
                        job_function=function, locale=LOCALES[i % 4])
        event = events[(i // 4) % 4]
        enrollment = Enrollment(event=event, person=person, status="enrolled", organisation_id=None)
        db.session.add(enrollment)
        db.session.flush()
        for s in event.sessions:
            db.session.add(Attendance(enrollment_id=enrollment.id, session_id=s.id, status="present"))
    db.session.flush()
    from certificates import operations
    from lms import signals

    # Finalize without issuing (issued below, timed): this app's issuing receiver is
    # disconnected for the duration and connected again after.
    signals.event_finalized.disconnect(operations.on_event_finalized, sender=app)
    try:
        completions = []
        for event in events:
            completions += completion.finalize(event, by=None).completions
    finally:
        signals.event_finalized.connect(operations.on_event_finalized, sender=app)
    db.session.commit()
    return completions


def stats(samples):
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p90 * 1000


def _worker(args):
    """One process: warm up, then render ``count`` certificates from a fixed context."""
    html_by_kind, count = args
    import hashlib

    from certificates import render

    app = _app("sqlite://")
    with app.test_request_context("/"):
        for kind, html in html_by_kind.items():
            render.html_to_pdf(html, kind)
        kinds = list(html_by_kind)
        for i in range(count):
            kind = kinds[i % len(kinds)]
            # The full render step: template + PDF + fingerprint.
            context = dict(CONTEXTS[kind])
            hashlib.sha256(render.render_pdf(kind, context)[1]).hexdigest()
    return count


CONTEXTS = {}


def throughput(processes, count, html_by_kind):
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(processes) as pool:
        pool.map(_worker, [(html_by_kind, 2)] * processes)  # start and warm the workers
        start = time.perf_counter()
        done = sum(pool.map(_worker, [(html_by_kind, count // processes)] * processes))
        elapsed = time.perf_counter() - start
    return done / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=60, help="certificates to render (default 60)")
    parser.add_argument("--out", help="write one certificate per kind and language here")
    args = parser.parse_args()

    from certificates import operations, render
    from lms.extensions import db

    directory = tempfile.mkdtemp(prefix="cert-bench-")
    app = _app(f"sqlite:///{directory}/bench.db")
    with app.test_request_context("/"):
        completions = prepare(app, max(args.n, 16))
        print(f"HarfBuzz subset library loaded: {render.harfbuzz_subset_available()}")
        # Warm-up: one of each kind (fonts, CSS, templates, first layout).
        for c in completions[:16:4]:
            operations._issue_new(c)
        db.session.rollback()

        from flask_babel import force_locale

        # Interleaved (one pipeline render, then the bare render of the same HTML) so a
        # busy machine slows both alike.
        pipeline, bare, htmls = [], [], []
        for c in completions[:args.n]:
            start = time.perf_counter()
            certificate = operations._issue_new(c)
            pipeline.append(time.perf_counter() - start)
            context, _details, locale = operations.build(c, certificate.code, certificate.issued_at)
            html = render.render_html(certificate.kind, context)
            htmls.append((certificate.kind, locale, html))
            CONTEXTS.setdefault(certificate.kind, context)
            with force_locale(locale):
                start = time.perf_counter()
                render.html_to_pdf(html, certificate.kind)
                bare.append(time.perf_counter() - start)
        db.session.commit()

        naive = []
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration

        for kind, _locale, html in htmls[:10]:
            start = time.perf_counter()
            fonts = FontConfiguration()
            fetcher = render.state().fetcher
            sheets = [CSS(filename=str(render.TEMPLATES / "base.css"), base_url=render.ASSET_BASE, url_fetcher=fetcher,
                          font_config=fonts),
                      CSS(filename=str(render.TEMPLATES / f"{kind}.css"), base_url=render.ASSET_BASE, url_fetcher=fetcher,
                          font_config=fonts)]
            HTML(string=html, base_url=render.ASSET_BASE, url_fetcher=fetcher).write_pdf(stylesheets=sheets, font_config=fonts)
            naive.append(time.perf_counter() - start)

        if args.out:
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            from certificates.models import Certificate
            from sqlalchemy import select

            seen = set()
            for certificate in db.session.scalars(select(Certificate).order_by(Certificate.id)):
                key = (certificate.kind, certificate.locale)
                if key not in seen:
                    seen.add(key)
                    (out / f"{certificate.kind}-{certificate.locale}.pdf").write_bytes(certificate.pdf)
            print(f"wrote {len(seen)} sample certificates to {out}")

    p_med, p_p90 = stats(pipeline)
    b_med, b_p90 = stats(bare)
    n_med, n_p90 = stats(naive)
    print(f"certificates rendered: {len(pipeline)} (kinds {', '.join(KINDS)}; languages {', '.join(LOCALES)})")
    print(f"pipeline (db + template + QR + WeasyPrint + sha256 + row): median {p_med:.1f} ms, p90 {p_p90:.1f} ms")
    print(f"bare WeasyPrint, same HTML, shared fonts and CSS:        median {b_med:.1f} ms, p90 {b_p90:.1f} ms")
    print(f"ratio pipeline / bare (median): {p_med / b_med:.2f}  (must be <= 1.2)")
    print(f"for reference, fonts and CSS set up per render:          median {n_med:.1f} ms, p90 {n_p90:.1f} ms")

    html_by_kind = {}
    for kind, _locale, html in htmls:
        html_by_kind.setdefault(kind, html)
    count = max(args.n, 8)
    one = throughput(1, count, html_by_kind)
    two = throughput(2, count, html_by_kind)
    print(f"throughput, 1 worker process:  {one:.1f} certificates/s")
    print(f"throughput, 2 worker processes: {two:.1f} certificates/s  (ratio {two / one:.2f}; {os.cpu_count()} CPUs)")
    return 0 if p_med / b_med <= 1.2 else 1


if __name__ == "__main__":
    sys.exit(main())
