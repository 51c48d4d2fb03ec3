"""Scale-out check: two gunicorn instances over one PostgreSQL database and one Redis.

Starts instance A and instance B (``gunicorn -w 2`` each, ``LMS_CONFIG=production``) on
two ports, on a PostgreSQL database of their own and a Redis key prefix of their own,
and alternates requests between them as a reverse proxy would:

- sign-in (HTML form with CSRF) on one, the session used on the other; an API token
  issued by one, accepted by the other; signing out on one ends the session on both;
- enrolment on one (HTML form and API), the roster read on the other;
- a change on one seen at once on the other (nothing cached per process);
- the sign-in failure limit and the certificate verify limit, counted across both: the
  limit is reached at the configured count, not at twice it;
- the check-in code shown on A, accepted on B;
- an export job started on one, followed and downloaded on the other.

Exits 1 on any inconsistency, 2 when a step could not run (e.g. export jobs missing),
0 only when every step passed. The servers are stopped and the database and the Redis
keys removed whatever happens.

    .venv/bin/python bench/scaleout.py [--redis redis://127.0.0.1:6379/0] [--worker] [--keep-logs]

Without ``--worker`` the instances have no broker and run jobs inline (``CELERY_BROKER_URL``
unset); with it they send them through Redis (a queue of the run's own, ``CELERY_QUEUE``)
to a Celery worker the script starts, as in production.
"""
import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "scaleout-password-7"
ACCOUNT_LIMIT = 4  # LOGIN_FAILURES_PER_ACCOUNT for the run
VERIFY_LIMIT = 6  # CERTIFICATE_VERIFY_LIMIT for the run (per hour, so the window never turns mid-step)
EXTRA_PEOPLE = 25  # enrolled beforehand, so the export has rows


class Failed(Exception):
    """An inconsistency between the instances (the run fails)."""


class Skipped(Exception):
    """A step that could not run (the run does not pass)."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check(condition, message):
    if not condition:
        raise Failed(message)


# Data ---------------------------------------------------------------------------------

def prepare(url):
    """Migrate (``flask db upgrade heads``), then a small programme: a coordinator, a
    trainer, two participants, an account to attack, and an open event whose one session
    starts in 15 minutes (check-in is open, enrolment too) with EXTRA_PEOPLE enrolled."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "prepare", "LMS_CONFIG": "default",
           "FLASK_APP": "lms", "PYTHONPATH": str(ROOT)}  # this checkout's lms, not the installed one
    subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "db", "upgrade", "heads"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    sys.path.insert(0, str(ROOT))
    from lms import create_app
    from lms.auth.operations import hash_password
    from lms.catalog.models import Activity, Event, Session
    from lms.enrollment.operations import enrol
    from lms.extensions import db
    from lms.people.models import JobFunction, Organisation, Person, RoleGrant
    from lms.programmes.models import Programme
    from lms.types import utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "prepare"})
    with app.app_context():
        hashed = hash_password(PASSWORD)
        org = Organisation(name="Scale municipality", kind="municipality")
        function = JobFunction(code="teacher", name="Teacher")
        programme = Programme(code="SCALE", name="Scale-out programme")

        def person(key, roles=()):
            return Person(email=f"{key}@scaleout.example.org", name=key.title(), locale="en", gender="female",
                          organisation=org, job_function=function, password_hash=hashed,
                          roles=[RoleGrant(role=r, programme=programme if r == "coordinator" else None)
                                 for r in roles])

        people = {key: person(key, roles) for key, roles in [
            ("coordinator", ["coordinator"]), ("trainer", ["trainer"]), ("browser", []), ("client", []),
            ("victim", [])]}
        activity = Activity(programme=programme, kind="seminar", title="Scale seminar", settings={})
        start = utcnow().replace(microsecond=0) + timedelta(minutes=15)
        event = Event(activity=activity, capacity=EXTRA_PEOPLE + 10, status="open",
                      sessions=[Session(starts_at=start, ends_at=start + timedelta(hours=2))])
        event.trainers.append(people["trainer"])
        extra = [Person(email=f"extra{i}@scaleout.example.org", name=f"Extra {i}", locale="en", gender="male",
                        organisation=org, job_function=function) for i in range(EXTRA_PEOPLE)]
        db.session.add_all([org, function, programme, *people.values(), event, *extra])
        db.session.flush()
        for each in extra:
            enrol(each, event)
        db.session.commit()
        ids = {key: p.id for key, p in people.items()}
        ids.update(programme=programme.id, event=event.id, session=event.sessions[0].id)
        db.session.remove()
        db.engine.dispose()
    return ids


# Servers ------------------------------------------------------------------------------

class Server:
    def __init__(self, name, env, logdir):
        self.name, self.port = name, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(Path(logdir) / f"{name}.log", "w+")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "--timeout", "120", "lms:create_app()"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Failed(f"{self.name} exited at start:\n{self.tail()}")
            try:
                if requests.get(self.base + "/login", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise Failed(f"{self.name} did not answer within 60 s:\n{self.tail()}")

    def tail(self, lines=30):
        self.log.flush()
        self.log.seek(0)
        return "".join(self.log.readlines()[-lines:])

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class Worker:
    """``celery -A lms.celery_app:celery worker`` with the instances' environment."""

    def __init__(self, env, logdir):
        self.name = "worker"
        self.log = open(Path(logdir) / "worker.log", "w+")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "celery"), "-A", "lms.celery_app:celery", "worker", "-c", "1",
             "--loglevel", "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    tail = Server.tail
    stop = Server.stop


class Browser:
    """One browser behind the proxy: one cookie jar, whichever instance answers."""

    def __init__(self):
        self.http = requests.Session()

    def get(self, server, path, **kw):
        return self.http.get(server.base + path, allow_redirects=False, timeout=60, **kw)

    def post(self, server, path, **kw):
        return self.http.post(server.base + path, allow_redirects=False, timeout=60, **kw)

    def csrf(self, server, path):
        page = self.get(server, path)
        check(page.status_code == 200, f"GET {path} on {server.name}: {page.status_code}")
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        check(match is not None, f"no CSRF token on {path} ({server.name})")
        return match.group(1)

    def sign_in(self, server, email, password):
        token = self.csrf(server, "/login")
        return self.post(server, "/login", data={"csrf_token": token, "email": email, "password": password})


def api(server, method, path, token=None, **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, f"{server.base}/api/v1{path}", headers=headers, timeout=120,
                            allow_redirects=False, **kw)


def token_for(server, email):
    answer = api(server, "POST", "/auth/token", json={"email": email, "password": PASSWORD})
    check(answer.status_code == 200, f"token for {email} on {server.name}: {answer.status_code} {answer.text[:200]}")
    return answer.json()["token"]


def email(key):
    return f"{key}@scaleout.example.org"


def roster(server, token, event_id):
    answer = api(server, "GET", f"/events/{event_id}/enrollments?per_page=100", token)
    check(answer.status_code == 200, f"roster on {server.name}: {answer.status_code}")
    return {row["person_id"]: row for row in answer.json()["items"]}


# Steps --------------------------------------------------------------------------------

def step_sessions(a, b, ids, state):
    browser = Browser()
    answer = browser.sign_in(a, email("browser"), PASSWORD)
    check(answer.status_code == 302, f"HTML sign-in on A: {answer.status_code}")
    page = browser.get(b, "/me/learning")
    check(page.status_code == 200, f"the session signed in on A is not accepted on B ({page.status_code})")
    state["browser"] = browser
    token = token_for(b, email("client"))
    me = api(a, "GET", "/people/me", token)
    check(me.status_code == 200 and me.json()["id"] == ids["client"],
          f"a token issued by B is not accepted on A ({me.status_code})")
    state["client_token"] = token
    # Sign out on B: a copy of the cookie taken before is worthless on A too.
    other = Browser()
    check(other.sign_in(b, email("trainer"), PASSWORD).status_code == 302, "trainer's sign-in on B")
    stolen = dict(other.http.cookies)
    check(other.get(a, "/me/events").status_code == 200, "trainer's session from B refused on A")
    logout = other.post(b, "/logout", data={"csrf_token": other.csrf(b, "/me/events")})
    check(logout.status_code == 302, f"sign-out on B: {logout.status_code}")
    replay = requests.get(a.base + "/me/events", cookies=stolen, allow_redirects=False, timeout=60)
    check(replay.status_code == 302 and "/login" in replay.headers.get("Location", ""),
          f"a session signed out on B still works on A ({replay.status_code})")
    return "HTML session A->B, token B->A, sign-out on B ends the session on A"


def step_enrol(a, b, ids, state):
    coordinator = token_for(a, email("coordinator"))
    state["coordinator_token"] = coordinator
    event = ids["event"]
    browser = state["browser"]
    form = browser.csrf(a, f"/events/{event}")
    answer = browser.post(b, f"/events/{event}/enrol", data={"csrf_token": form})
    check(answer.status_code == 302, f"HTML enrol on B (CSRF token from A): {answer.status_code} {answer.text[:200]}")
    answer = api(a, "POST", f"/events/{event}/enrollments", state["client_token"])
    check(answer.status_code == 201 and answer.json()["status"] == "enrolled",
          f"API enrol on A: {answer.status_code} {answer.text[:200]}")
    on_a, on_b = roster(a, coordinator, event), roster(b, coordinator, event)
    for key in ("browser", "client"):
        check(on_a.get(ids[key], {}).get("status") == "enrolled", f"{key}'s enrolment not on A's roster")
        check(on_b.get(ids[key], {}).get("status") == "enrolled", f"{key}'s enrolment not on B's roster")
    check(on_a == on_b, "the two instances answer different rosters")
    check(len(on_a) == EXTRA_PEOPLE + 2, f"roster has {len(on_a)} rows, expected {EXTRA_PEOPLE + 2}")
    state["browser_enrollment"] = on_a[ids["browser"]]["id"]
    again = api(b, "POST", f"/events/{event}/enrollments", state["client_token"])
    check(again.status_code == 409, f"a second enrolment on B was not refused ({again.status_code})")
    # A write on one instance is read at once on the other: nothing cached per process.
    renamed = f"Renamed {uuid.uuid4().hex[:6]}"
    patched = api(a, "PATCH", f"/programmes/{ids['programme']}", coordinator, json={"name": renamed})
    check(patched.status_code == 200, f"PATCH programme on A: {patched.status_code} {patched.text[:200]}")
    seen = api(b, "GET", f"/programmes/{ids['programme']}", coordinator).json()["name"]
    check(seen == renamed, f"B still answers the old programme name ({seen!r})")
    return f"HTML enrol on B, API enrol on A; both rosters list {len(on_a)} alike; a rename on A read on B"


def step_login_limit(a, b, ids, state):
    answers = []
    attacker = Browser()
    for i in range(ACCOUNT_LIMIT):
        if i % 2 == 0:
            token = attacker.csrf(a, "/login")
            status = attacker.post(a, "/login", data={"csrf_token": token, "email": email("victim"),
                                                      "password": f"wrong-{i}"}).status_code
        else:
            status = api(b, "POST", "/auth/token", json={"email": email("victim"), "password": f"wrong-{i}"}).status_code
        answers.append(status)
    expected = [422 if i % 2 == 0 else 401 for i in range(ACCOUNT_LIMIT)]
    check(answers == expected, f"failed sign-ins answered {answers}, expected {expected}")
    right_a = api(a, "POST", "/auth/token", json={"email": email("victim"), "password": PASSWORD})
    token = attacker.csrf(b, "/login")
    right_b = attacker.post(b, "/login", data={"csrf_token": token, "email": email("victim"), "password": PASSWORD})
    check(right_a.status_code == 429, f"after {ACCOUNT_LIMIT} failures (A and B alternating) A answers "
          f"{right_a.status_code}, not 429: the count is not shared")
    check(right_b.status_code == 429, f"after {ACCOUNT_LIMIT} failures B answers {right_b.status_code}, not 429")
    return (f"failures A/B alternating {answers}; then the right password: A {right_a.status_code}, "
            f"B {right_b.status_code}")


def step_verify_limit(a, b, ids, state):
    # The API and the page count apart (scopes "api-verify" and "verify"), each across both.
    expected = [404] * VERIFY_LIMIT + [429, 429]
    api_answers = [api((a, b)[i % 2], "GET", "/verify/NO-SUCH-CODE").status_code for i in range(VERIFY_LIMIT + 2)]
    check(api_answers == expected, f"API verify A/B alternating answered {api_answers}, expected {expected}")
    pages = [requests.get((b, a)[i % 2].base + "/verify/NO-SUCH-CODE", timeout=60).status_code
             for i in range(VERIFY_LIMIT + 2)]
    check(pages == expected, f"verify page B/A alternating answered {pages}, expected {expected}")
    return f"limit {VERIFY_LIMIT}, API A/B alternating {api_answers}, page B/A alternating {pages}"


def step_redis_holds_counts(redis_client, prefix):
    keys = list(redis_client.scan_iter(f"{prefix}:*"))
    check(keys, f"no keys under {prefix!r} in Redis: the counts did not live there")
    return f"{len(keys)} counter keys under the run's prefix in Redis"


def step_check_in(a, b, ids, state):
    trainer = Browser()
    check(trainer.sign_in(a, email("trainer"), PASSWORD).status_code == 302, "trainer's sign-in on A")
    page = trainer.get(a, f"/sessions/{ids['session']}/check-in-code")
    check(page.status_code == 200, f"check-in code page on A: {page.status_code}")
    match = re.search(r'class="checkin-code"[^>]*><span lang="en">([A-Z0-9]{6})</span>', page.text)
    check(match is not None, "no check-in code on A's page")
    code = match.group(1)
    browser = state["browser"]
    path = f"/checkin?session={ids['session']}"
    wrong = browser.post(a, "/checkin", data={"csrf_token": browser.csrf(a, path), "session": ids["session"],
                                              "code": "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"})
    check(wrong.status_code == 422, f"a wrong code on A answered {wrong.status_code}, not 422")
    answer = browser.post(b, "/checkin", data={"csrf_token": browser.csrf(b, path), "session": ids["session"],
                                               "code": code})
    check(answer.status_code == 302 and answer.headers["Location"].endswith(f"/checkin/done/{ids['session']}"),
          f"the code shown on A was refused on B ({answer.status_code})")
    marks = api(a, "GET", f"/sessions/{ids['session']}/attendance", token_for(a, email("trainer"))).json()["items"]
    mine = [m for m in marks if m["enrollment_id"] == state["browser_enrollment"]]
    check(len(mine) == 1 and mine[0]["status"] == "present", f"A does not show the check-in made on B: {mine}")
    return f"code {code} shown on A, accepted on B, the mark read on A"


def step_export(a, b, ids, state):
    token = state["coordinator_token"]
    started = api(a, "POST", f"/programmes/{ids['programme']}/exports", token,
                  json={"table": "participation", "format": "csv"})
    if started.status_code == 404:
        raise Skipped("export jobs not available", "POST /api/v1/programmes/<id>/exports answered 404")
    check(started.status_code == 202, f"export on A: {started.status_code} {started.text[:200]}")
    job = started.json()
    check("job_id" in job and "status_url" in job, f"export answer lacks job_id/status_url: {job}")
    status_path = urlsplit(job["status_url"]).path
    check(status_path.startswith("/api/v1/"), f"status_url {job['status_url']!r} is not under /api/v1")
    deadline, polls, seen = time.monotonic() + 180, 0, None
    while True:
        server = (b, a)[polls % 2]
        answer = requests.get(server.base + status_path, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        polls += 1
        check(answer.status_code == 200, f"export status on {server.name}: {answer.status_code}")
        seen = answer.json()
        check(seen["rows_done"] is None or seen["rows_total"] is None or seen["rows_done"] <= seen["rows_total"],
              f"rows_done > rows_total on {server.name}: {seen}")
        if seen.get("download_url") or seen["status"] in ("failed", "error"):
            break
        check(time.monotonic() < deadline, f"export not done after 180 s: {seen}")
        time.sleep(0.5)
    check(seen.get("download_url"), f"export ended without a file: {seen}")
    on_a = api(a, "GET", f"/exports/{job['job_id']}", token).json()
    on_b = api(b, "GET", f"/exports/{job['job_id']}", token).json()
    check(on_a == on_b, f"A and B answer different job states: {on_a} / {on_b}")
    path = urlsplit(seen["download_url"]).path
    headers = {"Authorization": f"Bearer {token}"}
    file_b = requests.get(b.base + path, headers=headers, timeout=120)
    file_a = requests.get(a.base + path, headers=headers, timeout=120)
    check(file_b.status_code == 200, f"download from B: {file_b.status_code}")
    check(file_a.status_code == 200 and file_a.content == file_b.content, "A and B serve different files")
    rows = [line for line in file_b.content.decode("utf-8-sig").splitlines() if line.strip()]
    check(len(rows) - 1 == seen["rows_total"], f"the file has {len(rows) - 1} rows, the job says {seen['rows_total']}")
    check(seen["rows_total"] >= EXTRA_PEOPLE + 2, f"rows_total {seen['rows_total']} < the {EXTRA_PEOPLE + 2} enrolled")
    return (f"job {job['job_id']} started on A, followed on B/A ({polls} polls), {seen['rows_total']} rows, "
            f"downloaded from B, same bytes from A")


# Main ---------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--worker", action="store_true",
                        help="jobs through a Redis broker to a Celery worker (default: inline, no broker)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs (their folder is printed)")
    args = parser.parse_args()

    import redis

    run = uuid.uuid4().hex[:8]
    name, prefix = f"brobygger_scaleout_{run}", f"brobygger-scaleout-{run}"
    redis_client = redis.Redis.from_url(args.redis)
    redis_client.ping()
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    logdir = tempfile.mkdtemp(prefix="brobygger-scaleout-")
    servers, results, failures, skipped = [], [], [], []
    try:
        started = time.perf_counter()
        ids = prepare(url)
        env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")}
        env.update({
            "PYTHONPATH": str(ROOT), "LMS_CONFIG": "production", "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32),
            "SESSION_COOKIE_SECURE": "false", "HSTS_ENABLED": "false",
            "RATELIMIT_STORAGE_URI": args.redis, "RATELIMIT_KEY_PREFIX": prefix,
            "LOGIN_FAILURES_PER_ACCOUNT": f"{ACCOUNT_LIMIT} per 15 minutes",
            "CERTIFICATE_VERIFY_LIMIT": f"{VERIFY_LIMIT}/hour",
            "BASE_URL": "http://127.0.0.1", "MAIL_ENABLED": "false",
            # Both instances (and workers) must see one export directory: on many hosts a
            # shared volume; here a folder of the run's own.
            "LMS_INSTANCE_PATH": str(Path(logdir) / "instance"), "EXPORT_DIR": str(Path(logdir) / "exports"),
        })
        if args.worker:
            env.update({"CELERY_BROKER_URL": args.redis, "CELERY_QUEUE": prefix})
        a, b = Server("A", env, logdir), Server("B", env, logdir)
        servers += [a, b]
        if args.worker:
            servers.append(Worker(env, logdir))
        a.wait()
        b.wait()
        jobs = f"a Celery worker on queue {prefix}" if args.worker else "jobs inline (no broker)"
        print(f"scale-out: A {a.base} and B {b.base} (gunicorn -w 2 each, LMS_CONFIG=production), "
              f"PostgreSQL {name}, Redis {args.redis} prefix {prefix}, {jobs}; "
              f"ready in {time.perf_counter() - started:.1f} s")
        state = {}
        steps = [
            ("sessions", lambda: step_sessions(a, b, ids, state)),
            ("enrol", lambda: step_enrol(a, b, ids, state)),
            ("sign-in limit", lambda: step_login_limit(a, b, ids, state)),
            ("verify limit", lambda: step_verify_limit(a, b, ids, state)),
            ("redis", lambda: step_redis_holds_counts(redis_client, prefix)),
            ("check-in", lambda: step_check_in(a, b, ids, state)),
            ("export", lambda: step_export(a, b, ids, state)),
        ]
        for label, step in steps:
            try:
                print(f"{label} step: ok   {step()}")
                results.append(label)
            except Skipped as exc:
                print(f"{label} step: SKIPPED ({exc.args[0]})" + "".join(f"\n    {more}" for more in exc.args[1:]))
                skipped.append(label)
            except (Failed, KeyError, ValueError, requests.RequestException) as exc:
                print(f"{label} step: FAILED {type(exc).__name__}: {exc}")
                failures.append(label)
        for server in servers:
            if server.process.poll() is not None:
                failures.append(f"{server.name} died")
        if failures:
            for server in servers:
                print(f"--- {server.name} log (tail) ---\n{server.tail()}")
    except Failed as exc:
        print(f"FAILED before the steps: {exc}")
        failures.append("start")
    finally:
        for server in servers:
            server.stop()
        removed = 0
        # The rate-limit counters and, with --worker, the queue (and kombu's binding of it).
        for pattern in (f"{prefix}*", f"_kombu.binding.{prefix}*"):
            for key in redis_client.scan_iter(pattern):
                removed += redis_client.delete(key)
        redis_client.close()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
        print(f"cleaned up: servers stopped, database {name} dropped, {removed} Redis keys removed")
        if args.keep_logs:
            print(f"logs kept in {logdir}")
        else:
            import shutil

            shutil.rmtree(logdir, ignore_errors=True)
    if failures:
        print(f"RESULT: FAILED ({', '.join(failures)})")
        return 1
    if skipped:
        print(f"RESULT: NOT PASSED: {len(results)} steps ok, skipped: {', '.join(skipped)}. "
              "A skipped step is not a pass.")
        return 2
    print(f"RESULT: PASSED ({len(results)} steps, A and B consistent)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
