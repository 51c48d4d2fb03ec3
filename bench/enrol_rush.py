"""Enrolment rush: 20 concurrent clients sign people up through gunicorn, against a trivial GET in the same run.

For each database (PostgreSQL, SQLite) a fresh database is migrated and seeded with one
open event of capacity C and N people with API tokens; gunicorn serves the app. Then, with
the same number of concurrent clients (each client sends its next request as soon as the
previous one is answered), in alternating blocks (``--rounds``, so both meet the same
moments of a busy machine):

  trivial GET: every person asks GET /api/v1/people/me once (sign-in and one row),
  enrol:       every person asks POST /api/v1/events/<id>/enrollments once
               (C of them get a seat, the rest the waiting list).

It prints p50/p95 of both and their ratio, then checks the rush left the data right:
seats_taken == enrolled == min(C, N), no request failed, and exactly one outbox row per
enrolment (no rendered email in it: the delivery task renders). Exits 1 when a check
fails or p95(enrol) > 2 x p95(trivial GET) on any database.

    .venv/bin/python bench/enrol_rush.py [--db both|postgresql|sqlite] [--clients 20]
        [--n 800] [--capacity 200] [--rounds 4] [--workers 4] [--threads 8]
"""
import argparse
import http.client
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGET = 2.0  # p95(enrol) <= TARGET x p95(trivial GET)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def database(kind):
    """A new, empty database URL of ``kind``; dropped afterwards."""
    if kind == "postgresql":
        name = f"brobygger_rush_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    else:
        with tempfile.TemporaryDirectory(prefix="brobygger_rush_") as directory:
            yield f"sqlite:///{directory}/rush.db"


def prepare(url, n, capacity):
    """Migrate, then create an open event of ``capacity`` (two sessions next month) and
    ``n`` people with API tokens. Returns (event id, tokens)."""
    sys.path.insert(0, str(ROOT))
    from datetime import timedelta

    from flask_migrate import upgrade

    from lms import create_app
    from lms.auth.operations import issue_token
    from lms.catalog.models import Activity, Event, Session
    from lms.extensions import db
    from lms.people.models import Person
    from lms.programmes.models import Programme
    from lms.types import utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(revision="heads")
        programme = Programme(code="RUSH", name="Rush")
        activity = Activity(programme=programme, kind="seminar", title="Rush seminar", settings={},
                            description="What the seminar is about.")
        start = (utcnow() + timedelta(days=30)).replace(hour=8, minute=0, second=0, microsecond=0)
        event = Event(activity=activity, capacity=capacity, status="open", place="Örebro",
                      sessions=[Session(starts_at=start + timedelta(days=d), ends_at=start + timedelta(days=d, hours=3))
                                for d in (0, 1)])
        people = [Person(email=f"rush{i}@example.org", name=f"Rush {i}", locale=("sv", "da", "en")[i % 3])
                  for i in range(n)]
        db.session.add_all([programme, activity, event, *people])
        db.session.flush()
        tokens = [issue_token(p)[0] for p in people]
        db.session.commit()
        event_id = event.id
        db.engine.dispose()
    return event_id, tokens


def run(port, requests, clients):
    """Send ``requests`` ((method, path, token)) from ``clients`` threads, each sending its
    next request when the previous one is answered. Returns (latencies, errors, statuses, wall)."""
    todo = queue.SimpleQueue()
    for r in requests:
        todo.put(r)
    barrier = threading.Barrier(clients)
    latencies, errors, statuses, outcomes = [], [], {}, {}
    lock = threading.Lock()

    def client():
        barrier.wait(timeout=60)
        while True:
            try:
                method, path, token = todo.get_nowait()
            except queue.Empty:
                return
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                start = time.perf_counter()
                conn.request(method, path, headers={"Authorization": f"Bearer {token}", "Content-Length": "0"})
                response = conn.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - start
                outcome = json.loads(body).get("status") if method == "POST" and response.status == 201 else None
                with lock:
                    latencies.append(elapsed)
                    outcomes.setdefault(outcome, []).append(elapsed)
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                    if response.status >= 400:
                        errors.append(response.status)
            except Exception as exc:  # noqa: BLE001 - reported
                with lock:
                    errors.append(repr(exc))
            finally:
                conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    wall = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    run.outcomes = outcomes  # latencies by the enrolment's status (POST)
    return latencies, errors, statuses, time.perf_counter() - wall


def percentiles(latencies):
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [latencies[0]] * 99
    return q[49] * 1000, q[94] * 1000


def report(name, latencies, errors, statuses, wall):
    p50, p95 = percentiles(latencies)
    print(f"  {name:<12} requests={len(latencies)} errors={len(errors)} statuses={dict(sorted(statuses.items()))} "
          f"throughput={len(latencies) / wall:.0f}/s p50={p50:.1f} ms p95={p95:.1f} ms")
    return p50, p95


def check(url, event_id, n, capacity):
    """The rush's outcome as the database has it; returns a list of problems."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            counts = dict(conn.execute(sa.text(
                "SELECT status, count(*) FROM enrollment WHERE event_id = :e GROUP BY status"), {"e": event_id}).all())
            seats, cap = conn.execute(sa.text("SELECT seats_taken, capacity FROM event WHERE id = :e"),
                                      {"e": event_id}).one()
            per_enrolment = conn.execute(sa.text(
                "SELECT count(*) AS rows, count(DISTINCT o.enrollment_id) AS enrolments, "
                "sum(CASE WHEN o.subject IS NULL AND o.body IS NULL THEN 1 ELSE 0 END) AS unrendered "
                "FROM email_outbox o JOIN enrollment e ON e.id = o.enrollment_id WHERE e.event_id = :e"),
                {"e": event_id}).one()
            positions = conn.execute(sa.text(
                "SELECT o.waitlist_position FROM email_outbox o JOIN enrollment e ON e.id = o.enrollment_id "
                "WHERE e.event_id = :e AND o.kind = 'waitlisted' ORDER BY o.waitlist_position"), {"e": event_id}).scalars().all()
    finally:
        engine.dispose()
    enrolled, waitlisted = counts.get("enrolled", 0), counts.get("waitlisted", 0)
    total = sum(counts.values())
    print(f"  after:       enrolled={enrolled} waitlisted={waitlisted} seats_taken={seats} capacity={cap} "
          f"outbox rows={per_enrolment.rows} for {per_enrolment.enrolments} enrolments "
          f"(unrendered {per_enrolment.unrendered})")
    problems = []
    if not (seats == enrolled <= cap):
        problems.append(f"seats_taken {seats}, enrolled {enrolled}, capacity {cap}")
    if enrolled != min(capacity, n) or total != n:
        problems.append(f"{enrolled} enrolled and {total} enrolments for {n} sign-ups at capacity {capacity}")
    if not (per_enrolment.rows == per_enrolment.enrolments == total):
        problems.append(f"{per_enrolment.rows} outbox rows for {per_enrolment.enrolments} of {total} enrolments")
    if per_enrolment.unrendered != per_enrolment.rows:
        problems.append("emails were rendered during the requests")
    if positions and not (len(positions) == waitlisted and 1 <= positions[0] and positions[-1] <= waitlisted):
        problems.append(f"waiting-list places in the emails are not within 1..{waitlisted}")
    return problems


def bench(kind, args):
    print(f"{kind}: {args.clients} concurrent clients, {args.n} sign-ups at capacity {args.capacity}, "
          f"gunicorn {args.workers} workers x {args.threads} threads")
    with database(kind) as url:
        event_id, tokens = prepare(url, args.n, args.capacity)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "LMS_CONFIG": "default", "MAIL_ENABLED": "0"}
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(args.workers), "-k", "gthread", "--threads",
             str(args.threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "lms:create_app()"],
            cwd=ROOT, env=env)
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            # Warm every worker and thread up (imports, connections, templates).
            run(port, [("GET", "/api/v1/people/me", tokens[i % len(tokens)]) for i in range(args.workers * args.threads * 2)],
                args.clients)
            # Alternate blocks (GET, enrol, GET, enrol, ...) so both meet the same moments
            # of a busy machine; every block has the same number of concurrent clients.
            get, post = ("GET", "/api/v1/people/me"), ("POST", f"/api/v1/events/{event_id}/enrollments")
            lat_g, err_g, st_g, wall_g, lat_e, err_e, st_e, wall_e, outcomes = [], [], {}, 0.0, [], [], {}, 0.0, {}
            for block in (tokens[i::args.rounds] for i in range(args.rounds)):
                lat, err, st, wall = run(port, [(*get, t) for t in block], args.clients)
                lat_g, err_g, wall_g = lat_g + lat, err_g + err, wall_g + wall
                st_g = {k: st_g.get(k, 0) + st.get(k, 0) for k in {*st_g, *st}}
                lat, err, st, wall = run(port, [(*post, t) for t in block], args.clients)
                lat_e, err_e, wall_e = lat_e + lat, err_e + err, wall_e + wall
                st_e = {k: st_e.get(k, 0) + st.get(k, 0) for k in {*st_e, *st}}
                for outcome, latencies in run.outcomes.items():
                    outcomes.setdefault(outcome, []).extend(latencies)
        finally:
            server.terminate()
            server.wait(timeout=30)
        _g50, g95 = report("trivial GET", lat_g, err_g, st_g, wall_g)
        _e50, e95 = report("enrol", lat_e, err_e, st_e, wall_e)
        for outcome, latencies in sorted(outcomes.items(), key=lambda kv: str(kv[0])):
            p50, p95 = percentiles(latencies)
            print(f"    of which {outcome}: {len(latencies)}, p50={p50:.1f} ms p95={p95:.1f} ms")
        ratio = e95 / g95
        print(f"  ratio:       p95 enrol / p95 trivial GET = {ratio:.2f}x (target <= {TARGET:.0f}x), "
              f"p50 {_e50 / _g50:.2f}x")
        problems = check(url, event_id, args.n, args.capacity)
        if err_g or err_e:
            problems.append(f"{len(err_g) + len(err_e)} requests failed: {(err_g + err_e)[:5]}")
        if ratio > TARGET:
            problems.append(f"p95 ratio {ratio:.2f}x above {TARGET:.0f}x")
        print(f"  RESULT:      {'ok' if not problems else 'FAILED: ' + '; '.join(problems)}")
        return not problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("both", "postgresql", "sqlite"), default="both")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--n", type=int, default=800)
    parser.add_argument("--capacity", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=4, help="alternating GET and enrol blocks")
    args = parser.parse_args()
    kinds = ("postgresql", "sqlite") if args.db == "both" else (args.db,)
    results = [bench(kind, args) for kind in kinds]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
