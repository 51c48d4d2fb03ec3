"""Enrolment rush: N simultaneous sign-ups at an event of capacity C, through gunicorn on PostgreSQL.

Prints enrolled and waitlisted counts (read from the database), errors, throughput and
p50/p95 latency, and the same for a trivial endpoint of the same app, with their ratio.

    .venv/bin/python bench/enrol_rush.py [--n 200] [--capacity 20] [--workers 4]
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url, n, capacity):
    """Migrate, then create an event of ``capacity`` and ``n`` people with API tokens."""
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from lms import create_app
    from lms.auth.operations import issue_token
    from lms.catalog.models import Activity, Event
    from lms.extensions import db
    from lms.people.models import Person
    from lms.programmes.models import Programme

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(revision="heads")
        programme = Programme(code="RUSH", name="Rush")
        activity = Activity(programme=programme, kind="seminar", title="Rush seminar", settings={})
        event = Event(activity=activity, capacity=capacity, status="open")
        people = [Person(email=f"rush{i}@example.org", name=f"Rush {i}", locale="en") for i in range(n)]
        db.session.add_all([programme, activity, event, *people])
        db.session.flush()
        tokens = [issue_token(p)[0] for p in people]
        db.session.commit()
        return event.id, tokens


def fire(port, requests):
    """Send every (method, path, token) at once from its own thread; returns latencies and errors."""
    barrier = threading.Barrier(len(requests))
    latencies, errors, statuses = [], [], {}
    lock = threading.Lock()

    def one(method, path, token):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            barrier.wait(timeout=60)
            start = time.perf_counter()
            conn.request(method, path, headers={"Authorization": f"Bearer {token}", "Content-Length": "0"})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
                if response.status >= 400:
                    errors.append(response.status)
        except Exception as exc:  # noqa: BLE001 - reported
            with lock:
                errors.append(repr(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=one, args=r) for r in requests]
    wall = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return latencies, errors, statuses, time.perf_counter() - wall


def report(name, latencies, errors, statuses, wall):
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    p50, p95 = q[49] * 1000, q[94] * 1000
    print(f"{name:<14} requests={len(latencies) + len([e for e in errors if isinstance(e, str)])} "
          f"errors={len(errors)} statuses={statuses} throughput={len(latencies) / wall:.0f}/s "
          f"p50={p50:.0f} ms p95={p95:.0f} ms")
    return p50, p95, len(latencies) / wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--capacity", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    name = f"brobygger_rush_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    server = None
    try:
        event_id, tokens = prepare(url, args.n, args.capacity)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "LMS_CONFIG": "default"}
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(args.workers), "-k", "gthread", "--threads", "8",
             "-b", f"127.0.0.1:{port}", "--log-level", "warning", "lms:create_app()"],
            cwd=ROOT, env=env)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        # Warm every worker up once (imports, connections).
        fire(port, [("GET", "/api/v1/people/me", tokens[0])] * (args.workers * 4))

        print(f"enrol rush: N={args.n} capacity={args.capacity} gunicorn workers={args.workers}x8 threads, PostgreSQL")
        lat, err, st, wall = fire(port, [("POST", f"/api/v1/events/{event_id}/enrollments", t) for t in tokens])
        e_p50, e_p95, e_tp = report("enrol", lat, err, st, wall)
        lat, err2, st, wall = fire(port, [("GET", "/api/v1/people/me", t) for t in tokens])
        t_p50, t_p95, t_tp = report("trivial GET", lat, err2, st, wall)
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            counts = dict(conn.execute(sa.text(
                "SELECT status, count(*) FROM enrollment WHERE event_id = :e GROUP BY status"), {"e": event_id}).all())
            seats = conn.execute(sa.text("SELECT seats_taken FROM event WHERE id = :e"), {"e": event_id}).scalar()
        engine.dispose()
        print(f"enrolled={counts.get('enrolled', 0)} waitlisted={counts.get('waitlisted', 0)} seats_taken={seats} "
              f"errors={len(err)}")
        print(f"ratio enrol/trivial: p50 {e_p50 / t_p50:.2f}x, p95 {e_p95 / t_p95:.2f}x, throughput {t_tp / e_tp:.2f}x lower")
        ok = counts.get("enrolled", 0) == args.capacity and seats == args.capacity and not err
        print("RESULT:", "exactly C enrolled, no errors" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
