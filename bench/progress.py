"""Goal progress at scale: `demo scale --persons N` on PostgreSQL and SQLite, then timings.

Prints, per database: the progress API time, a hand-written SQL query giving the same
numbers (checked equal) and their ratio (must be <= 1.5), the dashboard page time, and
the peak Python memory of an XLSX export of the per-person rows.

    .venv/bin/python bench/progress.py [--persons 100000] [--db postgresql sqlite]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

HAND_SQL = """
WITH ranked AS (
  SELECT e.person_id, e.job_function_id, e.organisation_id,
         ROW_NUMBER() OVER (PARTITION BY e.person_id ORDER BY e.created_at, e.id) AS rn
  FROM enrollment e
  JOIN event ev ON ev.id = e.event_id
  JOIN activity a ON a.id = ev.activity_id
  WHERE a.programme_id = :programme AND {qualifies}
), firsts AS (SELECT * FROM ranked WHERE rn = 1)
SELECT 'total', '', count(*) FROM firsts
UNION ALL SELECT 'function', jf.code, count(*) FROM firsts LEFT JOIN job_function jf ON jf.id = firsts.job_function_id GROUP BY jf.code
UNION ALL SELECT 'organisation', CAST(organisation_id AS VARCHAR), count(*) FROM firsts GROUP BY organisation_id
UNION ALL SELECT 'gender', p.gender, count(*) FROM firsts JOIN person p ON p.id = firsts.person_id GROUP BY p.gender
"""
HAND_TARGETS = """
SELECT e.job_function_id, count(DISTINCT e.person_id) FROM enrollment e
JOIN event ev ON ev.id = e.event_id JOIN activity a ON a.id = ev.activity_id
WHERE a.programme_id = :programme
  AND EXISTS (SELECT 1 FROM attendance t WHERE t.enrollment_id = e.id AND t.status IN ('present', 'late'))
GROUP BY e.job_function_id
"""
HAND_ORGANISATION_GOALS = """
SELECT o.goal_id, count(DISTINCT o.organisation_id) FROM organisation_outcome o
JOIN goal g ON g.id = o.goal_id WHERE g.programme_id = :programme GROUP BY o.goal_id
"""
QUALIFIES = {
    "attended": "EXISTS (SELECT 1 FROM attendance t WHERE t.enrollment_id = e.id AND t.status IN ('present', 'late'))",
    "completed": "EXISTS (SELECT 1 FROM completion c WHERE c.enrollment_id = e.id)",
}


def timed(fn, repeat=3):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def run(url, persons, label):
    from flask_migrate import upgrade

    from lms import create_app
    from lms.auth.operations import issue_token
    from demo.scale import scale_data
    from lms.extensions import db
    from lms.people.models import Person, RoleGrant
    from lms.programmes.models import Goal, Programme

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        scale_data(persons)
        db.session.commit()
        print(f"[{label}] demo scale --persons {persons}: {time.perf_counter() - start:.1f} s")
        programme = db.session.scalar(sa.select(Programme).where(Programme.code == f"SCALE-{persons}"))
        coordinator = Person(email=f"bench-{uuid.uuid4().hex[:6]}@example.org", name="Bench", locale="en")
        coordinator.roles.append(RoleGrant(role="coordinator"))
        db.session.add(coordinator)
        db.session.flush()
        token = issue_token(coordinator)[0]
        db.session.commit()
        for table in ("enrollment", "attendance"):
            n = db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
            print(f"[{label}] {table}: {n} rows")
        if url.startswith("postgresql"):
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        programme_id, coordinator_id = programme.id, coordinator.id
        goals = [(g.id, g.basis) for g in db.session.scalars(sa.select(Goal).where(
            Goal.programme_id == programme_id, Goal.unit == "persons"))]
        db.session.remove()

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    api_time, response = timed(lambda: client.get(f"/api/v1/programmes/{programme_id}/progress", headers=headers))
    doc = response.get_json()

    def hand():
        with app.app_context():
            out = {}
            for goal_id, basis in goals:
                rows = db.session.execute(sa.text(HAND_SQL.format(qualifies=QUALIFIES[basis])), {"programme": programme_id}).all()
                out[goal_id] = rows
            params = {"programme": programme_id}
            out["targets"] = dict(db.session.execute(sa.text(HAND_TARGETS), params).all())
            out["organisation_goals"] = dict(db.session.execute(sa.text(HAND_ORGANISATION_GOALS), params).all())
            db.session.remove()
            return out

    sql_time, hand_rows = timed(hand)
    for goal in doc["goals"]:
        if goal["goal_id"] in hand_rows:
            rows = hand_rows[goal["goal_id"]]
            total = next(n for dim, _, n in rows if dim == "total")
            assert total == goal["achieved"], (total, goal["achieved"])
            assert {k: n for dim, k, n in rows if dim == "gender"} == goal["by_gender"]
            assert sum(n for dim, _, n in rows if dim == "function") == goal["achieved"]
    ratio = api_time / sql_time
    print(f"[{label}] progress API: {api_time * 1000:.0f} ms; hand-written SQL, same numbers: {sql_time * 1000:.0f} ms; "
          f"ratio {ratio:.2f} (must be <= 1.5)")
    with client.session_transaction() as sess:
        sess["_user_id"] = str(coordinator_id)
        sess["_fresh"] = True
    client.environ_base["HTTP_USER_AGENT"] = "bench"
    from flask_login.utils import _create_identifier

    with app.test_request_context(environ_base=client.environ_base):
        ident = _create_identifier()
    with client.session_transaction() as sess:
        sess["_id"] = ident
    page_time, page = timed(lambda: client.get(f"/programmes/{programme_id}/dashboard"), repeat=2)
    print(f"[{label}] dashboard page: {page_time * 1000:.0f} ms (status {page.status_code})")

    # The export's memory is measured in a fresh process, so the peak is the export's own.
    import subprocess

    child = subprocess.run([sys.executable, __file__, "--export-child", url, str(programme_id), token],
                           capture_output=True, text=True, check=True)
    print(f"[{label}] {child.stdout.strip()}")
    with app.app_context():
        db.engine.dispose()
    return ratio


EXPORT_CHILD = """XLSX export measured alone: baseline {base:.0f} MB after start-up, peak {peak:.0f} MB
(+{grown:.0f} MB), {size:.1f} MB file, {rows} rows, {secs:.1f} s"""


def _hwm_mb():
    """This process's peak resident memory (VmHWM: reset at exec, unlike ru_maxrss)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def export_child(url, programme_id, token):
    from lms import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    client = app.test_client()
    client.get("/api/v1/people/me", headers={"Authorization": f"Bearer {token}"})  # warm up
    base = _hwm_mb()
    start = time.perf_counter()
    r = client.get(f"/api/v1/programmes/{programme_id}/report.xlsx", headers={"Authorization": f"Bearer {token}"},
                   buffered=False)
    data = b"".join(r.response)
    secs = time.perf_counter() - start
    peak = _hwm_mb()
    import io

    from openpyxl import load_workbook

    rows = sum(1 for _ in load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))
    print(" ".join(EXPORT_CHILD.format(base=base, peak=peak, grown=peak - base, size=len(data) / 1e6, rows=rows,
                                       secs=secs).split()))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--export-child":
        return export_child(sys.argv[2], int(sys.argv[3]), sys.argv[4]) or 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100000)
    parser.add_argument("--db", nargs="+", default=["postgresql", "sqlite"], choices=["postgresql", "sqlite"])
    args = parser.parse_args()
    ok = True
    for kind in args.db:
        if kind == "postgresql":
            name = f"brobygger_progress_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            try:
                ok &= run(ADMIN_URL.rsplit("/", 1)[0] + "/" + name, args.persons, "postgresql") <= 1.5
            finally:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.dispose()
        else:
            directory = tempfile.mkdtemp(prefix="brobygger-progress-")
            ok &= run(f"sqlite:///{directory}/progress.db", args.persons, "sqlite") <= 1.5
    print("RESULT:", "ratio within 1.5" if ok else "ratio above 1.5")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
