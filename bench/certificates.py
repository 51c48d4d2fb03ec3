"""Certificate rendering benchmark.

Target (the exit status is 1 when it is missed, or when a check fails):

* RATIO_TARGET: issuing one certificate through the pipeline takes at most 1.2 times
  a bare WeasyPrint render of the same HTML (median over the rounds).

What is measured, in a warm process (fonts, stylesheets, templates loaded once):

* pipeline: :func:`certificates.operations.issue` - the database reads, the sandboxed
  template, the QR code, WeasyPrint, the SHA-256 and the stored row (flushed);
* baseline: ``weasyprint.HTML(string=html, base_url=...).write_pdf(stylesheets=[...],
  font_config=...)`` called directly, as WeasyPrint's documentation shows it: one
  ``FontConfiguration`` and ``CSS(string=..., font_config=font_config)`` objects built
  once from the package's stylesheets and reused, WeasyPrint's own URL fetcher (the
  ``@font-face`` URLs point at the package's font files). Not the project's
  ``html_to_pdf``. Its HTML is rebuilt from the stored certificate (code, date, holder's
  language) and checked byte-identical to the HTML the pipeline rendered; its PDF is
  checked byte-identical to the stored one (the same work was done).

The two alternate certificate by certificate (a busy machine slows both alike), for
``--rounds`` rounds of ``--n`` certificates; each round is rolled back. Reported: the
median of the rounds' medians, their spread (min-max) and the interquartile range of all
samples, and the ratio.

Then throughput through the real issuing path - what finalizing an event starts: one
:class:`~certificates.models.CertificateBatch` per event, run by the worker task
:func:`certificates.tasks.issue_batch` (row, QR, SHA-256, a commit per certificate) -
with 1 and with 2 worker processes, each with its own app and database connection,
on a file SQLite database or on PostgreSQL (``--db``); ``--throughput-rounds`` rounds,
1 and 2 processes alternating, median and min-max. Each worker's busy time is shown:
on SQLite a worker's transaction (BEGIN IMMEDIATE) holds the write lock while it
renders, so two workers take turns.

    .venv/bin/python bench/certificates.py [--n 64] [--rounds 5] [--throughput-rounds 3]
        [--db sqlite|postgresql] [--out DIR]

``--out DIR`` also writes one certificate per kind and language there (to look at).
"""
import argparse
import hashlib
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RATIO_TARGET = 1.2

KINDS = ["seminar", "workshop", "network", "track"]
LOCALES = ["en", "sv", "da", "nb"]
NAMES = ["Åsa Öberg-Ærø", "Søren Æbeltoft", "Björn Ångström", "Øydis Hæreid", "Märta Lindqvist", "Jørgen Åsheim"]
SESSIONS = {"seminar": 1, "workshop": 2, "network": 3, "track": 5}
GROUPS = 2  # one event per kind in each group; with 2 processes each takes a group
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _app(url):
    from lms import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": False,
                       "BASE_URL": "https://brobygger.example.org"})


# --- data ---------------------------------------------------------------------------------

def prepare(app, n):
    """A programme with ``GROUPS`` events per kind, ``n`` people spread over them (every
    event gets every language), all present, finalized without certificates. Returns
    ``(completions, groups)``: ``groups`` lists each group's event ids."""
    from flask_migrate import upgrade

    from certificates import operations
    from lms import signals
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
    events, groups = [], []
    start = datetime(2025, 3, 3, 8, tzinfo=timezone.utc)  # ended: finalize refuses events not over
    for group in range(GROUPS):
        groups.append([])
        for kind in KINDS:
            activity = Activity(programme=programme, kind=kind, title=f"Barns rättigheter i praktiken ({kind} {group + 1})",
                                settings=registry.get(kind).default_settings())
            event = Event(activity=activity, capacity=10_000, status="open", place="Växjö, Stadshuset")
            for i in range(SESSIONS[kind]):
                s = start + timedelta(days=7 * i)
                event.sessions.append(Session(starts_at=s, ends_at=s + timedelta(hours=6)))
            db.session.add(event)
            db.session.flush()
            events.append(event)
            groups[-1].append(event.id)
    for i in range(n):
        person = Person(email=f"bench{i}@example.org", name=f"{NAMES[i % len(NAMES)]} {i}", organisation=organisation,
                        job_function=function, locale=LOCALES[(i // len(events)) % len(LOCALES)])
        event = events[i % len(events)]
        enrollment = Enrollment(event=event, person=person, status="enrolled", organisation_id=None)
        db.session.add(enrollment)
        db.session.flush()
        for s in event.sessions:
            db.session.add(Attendance(enrollment_id=enrollment.id, session_id=s.id, status="present"))
    db.session.flush()
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
    # Alternate kinds and languages in the timed order.
    completions.sort(key=lambda c: (c.enrollment.person_id, c.id))
    return completions, groups


# --- the baseline: WeasyPrint as its documentation shows it -----------------------------------

class Baseline:
    """One FontConfiguration, and each stylesheet parsed once into a CSS object with it."""

    def __init__(self):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        from certificates import render

        # The package directory; the stylesheets' font URLs are made relative to it.
        self.base_url = render.HERE.as_uri() + "/"
        self.font_config = FontConfiguration()

        def sheet(name):
            text = (render.TEMPLATES / name).read_text(encoding="utf-8")
            text = text.replace(f"{render.ASSET_BASE}", "")  # url("fonts/DejaVuSans.ttf")
            return CSS(string=text, base_url=self.base_url, font_config=self.font_config)

        base = sheet("base.css")
        self.stylesheets = {kind: [base] + ([sheet(f"{kind}.css")] if (render.TEMPLATES / f"{kind}.css").is_file() else [])
                            for kind in KINDS}

    def write_pdf(self, html, kind):
        from weasyprint import HTML

        return HTML(string=html, base_url=self.base_url).write_pdf(stylesheets=self.stylesheets[kind],
                                                                   font_config=self.font_config)


# --- latency --------------------------------------------------------------------------------

def latency(completions, rounds, out=None):
    """``(pipeline_rounds, baseline_rounds)``: per round, the seconds per certificate."""
    from flask_babel import force_locale

    from certificates import operations, render
    from lms.extensions import db

    baseline = Baseline()
    # Warm-up: one of each kind both ways (fonts, CSS, templates, first layout).
    seen_kinds = set()
    for c in completions:
        kind = c.enrollment.event.activity.kind
        if kind not in seen_kinds:
            seen_kinds.add(kind)
            certificate = operations.issue(c)
            baseline.write_pdf(render.render_html(kind, operations.build(c, certificate.code, certificate.issued_at)[0]),
                               kind)
    db.session.rollback()

    # What the pipeline rendered: its own HTML, taken as it passes (a list append).
    rendered = []
    real_render_pdf = render.render_pdf

    def render_pdf(kind, context):
        html, pdf = real_render_pdf(kind, context)
        rendered.append(html)
        return html, pdf

    render.render_pdf = render_pdf
    pipeline_rounds, baseline_rounds, samples = [], [], {}
    try:
        for round_ in range(rounds):
            pipeline, bare = [], []
            for c in completions:
                rendered.clear()
                start = time.perf_counter()
                certificate = operations.issue(c)
                pipeline.append(time.perf_counter() - start)
                assert len(rendered) == 1, "the pipeline rendered once"
                # The baseline's HTML: rebuilt from the stored row, in the holder's language.
                db.session.refresh(certificate)
                context, _details, locale = operations.build(c, certificate.code, certificate.issued_at)
                assert locale == certificate.locale
                with force_locale(locale):
                    html = render.render_html(certificate.kind, context)
                assert html.encode("utf-8") == rendered[0].encode("utf-8"), "baseline HTML differs from the pipeline's"
                start = time.perf_counter()
                pdf = baseline.write_pdf(html, certificate.kind)
                bare.append(time.perf_counter() - start)
                # Same HTML, fonts and CSS: the very same document, byte for byte.
                assert pdf == certificate.pdf, "the baseline's PDF differs from the stored one"
                if round_ == rounds - 1:
                    samples.setdefault((certificate.kind, certificate.locale), certificate.pdf)
            pipeline_rounds.append(pipeline)
            baseline_rounds.append(bare)
            db.session.rollback()
    finally:
        render.render_pdf = real_render_pdf
    if out:
        directory = Path(out)
        directory.mkdir(parents=True, exist_ok=True)
        for (kind, locale), pdf in sorted(samples.items()):
            (directory / f"{kind}-{locale}.pdf").write_bytes(pdf)
        print(f"wrote {len(samples)} sample certificates to {directory}")
    return pipeline_rounds, baseline_rounds


# --- throughput -------------------------------------------------------------------------------

def _worker(url, event_ids, warm_ids, barrier, results):
    """One worker process: its own app and connection; warm up, wait for the others,
    then run a batch per event with the worker task (a commit per certificate)."""
    app = _app(url)
    with app.app_context():
        from certificates import operations
        from certificates.tasks import issue_batch
        from lms.catalog.models import Event
        from lms.completion.models import Completion
        from lms.extensions import db

        for completion_id in warm_ids:  # one per kind, rolled back
            operations.issue(db.session.get(Completion, completion_id))
        db.session.rollback()
        db.session.remove()
        barrier.wait()
        start = time.monotonic()
        for event_id in event_ids:
            # What finalize's receiver does: start the event's batch, hand it to a worker.
            batch = operations.start_batch(db.session.get(Event, event_id))
            db.session.commit()
            issue_batch(batch.id)
        end = time.monotonic()
        db.session.remove()
        db.engine.dispose()
    results.put((os.getpid(), start, end))


def throughput(app, url, groups, warm_ids, processes):
    """Certificates per second with ``processes`` workers (each its own app and DB
    connection, started with "spawn"); checks what they stored."""
    from sqlalchemy import delete, func, select

    from certificates.models import Certificate, CertificateBatch, CertificateFailure
    from lms.extensions import db

    for model in (CertificateFailure, CertificateBatch, Certificate):
        db.session.execute(delete(model))
    db.session.commit()
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    shares = [[] for _ in range(processes)]
    for i, group in enumerate(groups):
        shares[i % processes].extend(group)
    workers = [ctx.Process(target=_worker, args=(url, share, warm_ids, barrier, results)) for share in shares]
    for w in workers:
        w.start()
    spans = [results.get(timeout=1800) for _ in workers]
    for w in workers:
        w.join()
        assert w.exitcode == 0, f"worker exited with {w.exitcode}"
    elapsed = max(end for _pid, _start, end in spans) - min(start for _pid, start, _end in spans)

    db.session.expire_all()
    issued = db.session.scalar(select(func.count()).select_from(Certificate).where(Certificate.revoked_at.is_(None)))
    batches = db.session.scalars(select(CertificateBatch)).all()
    assert all(b.status == "finished" and b.failed == 0 and b.issued == b.total for b in batches), "a batch failed"
    for certificate in db.session.scalars(select(Certificate)):
        assert hashlib.sha256(certificate.pdf).hexdigest() == certificate.sha256 and certificate.size == len(certificate.pdf)
    db.session.rollback()
    return issued, elapsed, sorted(end - start for _pid, start, end in spans)


# --- figures ----------------------------------------------------------------------------------

def _quartiles(values):
    q1, _q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q3


def _line(label, rounds):
    medians = [statistics.median(r) * 1000 for r in rounds]
    q1, q3 = _quartiles([v * 1000 for r in rounds for v in r])
    med = statistics.median(medians)
    print(f"{label}: median {med:.1f} ms (round medians {min(medians):.1f}-{max(medians):.1f}; "
          f"all samples IQR {q1:.1f}-{q3:.1f} ms)")
    return med


def _database(kind):
    """``(url, cleanup)``: a new file SQLite database or PostgreSQL database."""
    if kind == "postgresql":
        import sqlalchemy as sa

        name = f"brobygger_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

        def cleanup():
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()

        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, cleanup
    directory = tempfile.mkdtemp(prefix="cert-bench-")
    return f"sqlite:///{directory}/bench.db", lambda: None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=64, help="certificates per round and per throughput run (default 64)")
    parser.add_argument("--rounds", type=int, default=5, help="latency rounds (default 5)")
    parser.add_argument("--throughput-rounds", type=int, default=3, help="throughput rounds (default 3)")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite",
                        help="file SQLite (default) or PostgreSQL (BENCH_PG_ADMIN_URL, a new database, dropped after)")
    parser.add_argument("--out", help="write one certificate per kind and language here")
    args = parser.parse_args()
    n = max(args.n, GROUPS * len(KINDS) * len(LOCALES))

    from certificates import render
    from lms.extensions import db

    url, cleanup = _database(args.db)
    try:
        app = _app(url)
        with app.app_context():  # as a worker runs (no request: writes begin as writes on SQLite)
            completions, groups = prepare(app, n)
            print(f"database: {args.db}; HarfBuzz subset library loaded: {render.harfbuzz_subset_available()}")
            print(f"certificates: {len(completions)} per round, {args.rounds} rounds "
                  f"(kinds {', '.join(KINDS)}; languages {', '.join(LOCALES)})")
            pipeline, baseline = latency(completions, args.rounds, args.out)
            p_med = _line("pipeline (issue: db + template + QR + WeasyPrint + sha256 + row)", pipeline)
            b_med = _line("baseline (HTML(string=...).write_pdf, same HTML, FontConfiguration + CSS reused)", baseline)
            ratios = [statistics.median(p) / statistics.median(b) for p, b in zip(pipeline, baseline)]
            ratio = statistics.median(ratios)
            print(f"ratio pipeline / baseline: {ratio:.2f} (rounds {min(ratios):.2f}-{max(ratios):.2f}; "
                  f"median of medians {p_med / b_med:.2f}); target <= {RATIO_TARGET}")
            print("baseline HTML byte-identical to the pipeline's: checked for every certificate")

            warm_ids, kinds = [], set()
            for c in completions:
                if c.enrollment.event.activity.kind not in kinds:
                    kinds.add(c.enrollment.event.activity.kind)
                    warm_ids.append(c.id)
            db.session.rollback()
            # 1 and 2 processes alternate, round by round, so a load change hits both.
            rates = {1: [], 2: []}
            for round_ in range(args.throughput_rounds):
                for processes in (1, 2):
                    issued, elapsed, spans = throughput(app, url, groups, warm_ids, processes)
                    assert issued == len(completions), f"{issued} certificates issued of {len(completions)}"
                    rates[processes].append(issued / elapsed)
                    print(f"  round {round_ + 1}, {processes} process{'es' if processes > 1 else ''}: "
                          f"{issued / elapsed:.1f} certificates/s ({issued} in {elapsed:.1f} s; "
                          f"each worker busy {', '.join(f'{s:.1f}' for s in spans)} s)")
            for processes, values in rates.items():
                print(f"throughput, {processes} worker process{'es' if processes > 1 else ''} ({args.db}): "
                      f"median {statistics.median(values):.1f} certificates/s "
                      f"(rounds {min(values):.1f}-{max(values):.1f})")
            print(f"2 processes / 1 process: {statistics.median(rates[2]) / statistics.median(rates[1]):.2f} "
                  f"({os.cpu_count()} CPUs)")
            db.session.remove()
            db.engine.dispose()
    finally:
        cleanup()

    missed = []
    if ratio > RATIO_TARGET:
        missed.append(f"pipeline / baseline {ratio:.2f} > {RATIO_TARGET}")
    for line in missed:
        print(f"TARGET MISSED: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
