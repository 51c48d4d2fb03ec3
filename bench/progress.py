"""Goal progress at scale: `demo scale --persons N` on PostgreSQL and SQLite, then timings.

Per database, in one run: `demo scale` data, plus what it leaves out so that every
counting rule is exercised (see :func:`enrich`); then the progress API, unfiltered and
filtered (a period and a kind), against a baseline of hand-written SQL that gives the same figures. The baseline
is written here from the counting rules of API.md, not from the implementation's
queries; it comes in two formulations (qualifying participation as EXISTS, or as a
GROUP BY of the marks and completions), both timed, and the faster is the baseline.
Every figure of the answer (goals with their breakdowns, targets, organisation goals,
cadence rows) is compared with both; any difference is printed and fails the run.

Then the pages people open every day: the programme dashboard (coordinator), the
manager page (a manager of the programme's largest organisation) and My learning (the
person with the most enrolments); and the per-person export (XLSX and CSV), each in a
fresh process, with the memory the export itself takes: the growth of the resident size
from just before the export (sampled while it runs) and the Python heap's peak during it
(tracemalloc).

All of it at two sizes, 1,000 and 100,000 persons by default, so the growth ratios show
how each cost grows with history:

    .venv/bin/python bench/progress.py [--sizes 1000 100000 | --persons N] [--rounds 5] [--quick] [--db postgresql sqlite]

Timings are medians of interleaved rounds (the API, both baselines, and the API's two
parts in process). Targets (issue 12): progress API unfiltered, dashboard, manager page
and My learning grow by at most 2, 3, 2 and 2 times from the small size to the large
one; the filtered progress API takes at most 1.5 times the baseline at every size. The
unfiltered API/baseline ratio is printed for information. Exit status: 0 all well, 1 a
target missed, 2 a figure differs from the baseline. tests/goals/test_progress_bench.py
runs :func:`check` on small data, so the baseline itself stays right.
"""
import argparse
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TZ = "Europe/Stockholm"  # the bench coordinator's time zone: the API reads its dates in it
TARGET = 1.5  # progress API time / baseline time, unfiltered (informational: growth is the target now)
TARGET_FILTERED = 1.5  # progress API time / baseline time, filtered (a period and a kind), at every size
# Growth from the smaller to the larger size (time at the large size / time at the small one).
GROWTH_TARGETS = {"progress API, unfiltered": 2.0, "dashboard page": 3.0, "manager page": 2.0, "My learning": 2.0}
DEFAULT_SIZES = (1_000, 100_000)
ATTENDED = "('present', 'late')"
# Kinds that declare a meeting cadence, and the setting that holds it (modules/networks).
CADENCE_KINDS = {"network": "cadence_per_year"}
FORMULATIONS = ("exists", "group_by")


# --- the baseline: the figures of API.md's counting rules, in plain SQL -------------------

def period_bounds(start_day, end_day, tz=TZ):
    """The period of whole days ``start_day``..``end_day`` in ``tz`` as naive UTC bounds
    (how the database stores times) and as dates (for completions)."""
    zone = ZoneInfo(tz)

    def utc(day, at):
        return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)

    return {
        "start_at": utc(start_day, clock.min) if start_day else None,
        "end_at": utc(end_day, clock.max) if end_day else None,
        "start_day": start_day, "end_day": end_day,
    }


def filters_from_args(args):
    """The baseline's filters from the progress API's query arguments (``from``, ``to``,
    ``kind``, ``theme_id``, ``organisation_id``)."""
    def day(key):
        return date.fromisoformat(args[key]) if args.get(key) else None

    return {"start": day("from"), "end": day("to"), "kind": args.get("kind") or None,
            "theme_id": int(args["theme_id"]) if args.get("theme_id") else None,
            "organisation_ids": {int(args["organisation_id"])} if args.get("organisation_id") else None}


class _Sql:
    """Builds the statements of one baseline run, for a dialect and the filters."""

    def __init__(self, dialect, kind, theme_id, organisation_ids, bounds):
        self.pg = dialect == "postgresql"
        self.params = {}
        self.binds = []
        activity = []
        if kind:
            activity.append("a.kind = :kind")
            self.params["kind"] = kind
        if theme_id:
            activity.append("a.theme_id = :theme")
            self.params["theme"] = theme_id
        self.activity = "".join(f" AND {c}" for c in activity)
        if organisation_ids is None:
            self.organisations = ""
        elif not organisation_ids:
            self.organisations = " AND 1 = 0"
        else:
            self.organisations = " AND e.organisation_id IN :orgs"
            self.params["orgs"] = sorted(organisation_ids)
            self.binds.append(sa.bindparam("orgs", expanding=True))
        self.attended_period = ""
        self.completed_period = ""
        for key, op in (("start", ">="), ("end", "<=")):
            if bounds[f"{key}_at"] is not None:
                self.attended_period += f" AND s.starts_at {op} :{key}_at"
                self.completed_period += f" AND c.completed_on {op} :{key}_day"
                self.params[f"{key}_at"] = bounds[f"{key}_at"]
                self.params[f"{key}_day"] = bounds[f"{key}_day"]
                self.binds += [sa.bindparam(f"{key}_at", type_=sa.DateTime()), sa.bindparam(f"{key}_day", type_=sa.Date())]

    def text(self, sql):
        return sa.text(sql).bindparams(*(b for b in self.binds if f":{b.key}" in sql))

    def _first_per_person(self, source):
        """(function id, organisation id, gender, persons) of the rows ``source`` (a derived
        table of enrollments): each person once, as at their first enrollment in it (by
        created_at, then id)."""
        if self.pg:
            inner = (f"SELECT DISTINCT ON (x.person_id) x.job_function_id, x.organisation_id, x.gender FROM {source}"
                     " ORDER BY x.person_id, x.created_at, x.id")
        else:
            # SQLite: with a single min(), the bare columns come from the row holding it.
            # created_at is stored as fixed-width text, so text order is time order.
            inner = (f"SELECT x.person_id, min(x.created_at || printf('%012d', x.id)) AS first_key,"
                     f" x.job_function_id, x.organisation_id, x.gender FROM {source} GROUP BY x.person_id")
        return ("SELECT f.job_function_id, f.organisation_id, f.gender, count(*)"
                f" FROM ({inner}) f GROUP BY f.job_function_id, f.organisation_id, f.gender")

    @staticmethod
    def _goal_conditions(goal, events, enrollments):
        """The goal's own limits, on the ``events`` and ``enrollments`` aliases (already the
        programme's): its linked activities (none = all) and its job functions at enrolment
        (none = all)."""
        out = ""
        if goal["linked"]:
            out += f" AND {events}.activity_id IN (SELECT ga.activity_id FROM goal_activity ga WHERE ga.goal_id = :goal_{goal['id']})"
        if goal["functions"]:
            out += (f" AND {enrollments}.job_function_id IN (SELECT gf.job_function_id FROM goal_function gf"
                    f" WHERE gf.goal_id = :goal_{goal['id']})")
        return out

    # The EXISTS formulation: one statement per figure, qualification as a semi-join.
    def exists(self, basis):
        if basis == "completed":
            return f"EXISTS (SELECT 1 FROM completion c WHERE c.enrollment_id = e.id{self.completed_period})"
        session = " JOIN session s ON s.id = t.session_id" if self.attended_period else ""
        return (f"EXISTS (SELECT 1 FROM attendance t{session} WHERE t.enrollment_id = e.id"
                f" AND t.status IN {ATTENDED}{self.attended_period})")

    def enrollments(self, basis, goal=None):
        """A derived table ``x``: the programme's enrollments (within the filters) that
        qualify by ``basis`` (and the goal's limits)."""
        return ("(SELECT e.id, e.person_id, e.job_function_id, e.organisation_id, e.gender, e.created_at,"
                " ev.activity_id FROM enrollment e JOIN event ev ON ev.id = e.event_id"
                " JOIN activity a ON a.id = ev.activity_id"
                f" WHERE a.programme_id = :programme{self.activity}{self.organisations}"
                f"{self._goal_conditions(goal, 'ev', 'e') if goal else ''} AND {self.exists(basis)}) x")

    def goal_statement(self, goal):
        return self._first_per_person(self.enrollments(goal["basis"], goal))

    def targets_statement(self):
        """(function id, distinct persons of that function at enrolment who attended)."""
        return ("SELECT x.job_function_id, count(*) FROM (SELECT DISTINCT x.job_function_id, x.person_id"
                f" FROM {self.enrollments('attended')}) x GROUP BY x.job_function_id")

    # The GROUP BY formulation: one statement; the marks and completions are grouped once
    # into qualifying enrollment ids, joined to the programme's enrollments, and every
    # figure is taken from that.
    def combined_statement(self, goals):
        """Rows (part, function id, organisation id, gender, persons): part 0 = targets
        (persons per function), else a person goal's id."""
        session = " JOIN session s ON s.id = t.session_id" if self.attended_period else ""
        completed = any(g["basis"] == "completed" for g in goals)
        materialized = "MATERIALIZED "  # PostgreSQL >= 12 and SQLite >= 3.35: computed once
        with_ = (f"WITH attended AS (SELECT t.enrollment_id FROM attendance t{session}"
                 f" WHERE t.status IN {ATTENDED}{self.attended_period} GROUP BY t.enrollment_id),"
                 f" q AS {materialized}(SELECT e.id, e.person_id, e.job_function_id, e.organisation_id, e.gender,"
                 " e.created_at, ev.activity_id, (attended.enrollment_id IS NOT NULL) AS attended,"
                 + (" (c.enrollment_id IS NOT NULL) AS completed" if completed else " 0 AS completed")
                 + " FROM enrollment e JOIN event ev ON ev.id = e.event_id JOIN activity a ON a.id = ev.activity_id"
                 " LEFT JOIN attended ON attended.enrollment_id = e.id"
                 + (f" LEFT JOIN completion c ON c.enrollment_id = e.id{self.completed_period}" if completed else "")
                 + f" WHERE a.programme_id = :programme{self.activity}{self.organisations})")
        true = "" if self.pg else " = 1"
        parts = [("SELECT 0, x.job_function_id, NULL, NULL, count(*) FROM (SELECT DISTINCT q.job_function_id, q.person_id"
                  f" FROM q WHERE q.attended{true}) x GROUP BY x.job_function_id")]
        for goal in goals:
            source = f"(SELECT * FROM q WHERE q.{goal['basis']}{true}{self._goal_conditions(goal, 'q', 'q')}) x"
            parts.append(f"SELECT {int(goal['id'])}, f.* FROM ({self._first_per_person(source)}) f")
        return f"{with_} " + " UNION ALL ".join(parts)

    def cadence(self):
        kinds = ", ".join(f"'{k}'" for k in CADENCE_KINDS)
        cases = " ".join(f"WHEN '{k}' THEN '{s}'" for k, s in CADENCE_KINDS.items())
        if self.pg:
            setting = f"(a.settings ->> (CASE a.kind {cases} END))"
        else:
            setting = f"json_extract(a.settings, '$.' || (CASE a.kind {cases} END))"
        # Grouped by the primary keys: the other columns depend on them (PostgreSQL cannot
        # group by a json column).
        return (f"SELECT ev.id, ev.activity_id, COALESCE(NULLIF(ev.title, ''), a.title), {setting},"
                " p.starts_on, p.ends_on, count(s.id),"
                " sum(CASE WHEN s.starts_at >= :year_ago AND s.starts_at <= :now THEN 1 ELSE 0 END),"
                " min(s.starts_at), max(s.ends_at)"
                " FROM event ev JOIN activity a ON a.id = ev.activity_id JOIN programme p ON p.id = a.programme_id"
                " LEFT JOIN session s ON s.event_id = ev.id"
                f" WHERE a.programme_id = :programme AND a.kind IN ({kinds}) AND ev.status <> 'cancelled'{self.activity}"
                " GROUP BY ev.id, a.id, p.id ORDER BY a.title, ev.id")


def _as_date(value):
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    return date.fromisoformat(str(value)[:10])


def baseline(conn, programme_id, how="exists", start=None, end=None, kind=None, theme_id=None,
             organisation_ids=None, tz=TZ, now=None):
    """The progress answer's figures for ``programme_id``, computed with hand-written SQL on
    ``conn`` (a SQLAlchemy connection). ``how``: "exists" or "group_by". ``start``/``end``:
    dates (whole days in ``tz``); ``kind``, ``theme_id``; ``organisation_ids``: None = all.
    Returns a document shaped like the API's answer."""
    sql = _Sql(conn.dialect.name, kind, theme_id, organisation_ids, period_bounds(start, end, tz))
    p = {**sql.params, "programme": programme_id}
    codes = dict(conn.execute(sa.text("SELECT id, code FROM job_function")).all())
    goals = [dict(zip(("id", "title", "unit", "target", "basis", "linked", "functions"), row)) for row in conn.execute(sa.text(
        "SELECT g.id, g.title, g.unit, g.target, g.basis,"
        " EXISTS (SELECT 1 FROM goal_activity ga WHERE ga.goal_id = g.id),"
        " EXISTS (SELECT 1 FROM goal_function gf WHERE gf.goal_id = g.id)"
        " FROM goal g WHERE g.programme_id = :programme ORDER BY g.position, g.id"), {"programme": programme_id})]
    persons = [g for g in goals if g["unit"] == "persons"]
    p.update({f"goal_{g['id']}": g["id"] for g in goals})
    rows = {g["id"]: [] for g in persons}
    if how == "exists":
        for goal in persons:
            rows[goal["id"]] = conn.execute(sql.text(sql.goal_statement(goal)), p).all()
        actual = dict(conn.execute(sql.text(sql.targets_statement()), p).all())
    else:
        actual = {}
        for part, *row in conn.execute(sql.text(sql.combined_statement(persons)), p):
            if part == 0:
                actual[row[0]] = row[3]
            else:
                rows[part].append(row)
    outcomes = {}
    orgs = "" if organisation_ids is None else (" AND o.organisation_id IN :orgs" if organisation_ids else " AND 1 = 0")
    for goal_id, organisation_id in conn.execute(sql.text(
            "SELECT DISTINCT o.goal_id, o.organisation_id FROM organisation_outcome o JOIN goal g ON g.id = o.goal_id"
            f" WHERE g.programme_id = :programme AND g.unit = 'organisations'{orgs}"), p):
        outcomes.setdefault(goal_id, []).append(organisation_id)
    doc_goals = []
    for goal in goals:
        by_function, by_organisation, by_gender, achieved = {}, {}, {}, 0
        if goal["unit"] == "persons":
            for function_id, organisation_id, gender, n in rows[goal["id"]]:
                achieved += n
                for counts, key in ((by_function, codes.get(function_id, "unknown")),
                                    (by_organisation, "unknown" if organisation_id is None else str(organisation_id)),
                                    (by_gender, gender)):
                    counts[key] = counts.get(key, 0) + n
        else:  # organisations with an outcome recorded (no period, kind or theme applies)
            ids = sorted(outcomes.get(goal["id"], []))
            achieved, by_organisation = len(ids), {str(i): 1 for i in ids}
        target = goal["target"]
        doc_goals.append({"goal_id": goal["id"], "title": goal["title"], "unit": goal["unit"], "target": target,
                          "basis": goal["basis"], "achieved": achieved,
                          "ratio": round(achieved / target, 4) if target else None,
                          "by_function": by_function, "by_organisation": by_organisation, "by_gender": by_gender})
    targets = [{"function_code": code, "planned": planned, "actual": actual.get(function_id, 0)}
               for function_id, code, planned in sorted(conn.execute(sa.text(
                   "SELECT t.job_function_id, f.code, t.planned FROM target_group t"
                   " JOIN job_function f ON f.id = t.job_function_id WHERE t.programme_id = :programme"),
                   {"programme": programme_id}).all(), key=lambda row: row[1])]
    return {"programme_id": programme_id, "goals": doc_goals, "targets": targets,
            "cadence": _cadence(conn, sql, p, now)}


def _cadence(conn, sql, params, now):
    """Events of kinds with a cadence: meetings in the last 12 months, and short = fewer
    meetings than per year x the programme's days (else the sessions' span) / 365, floored,
    at least 1."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    binds = [sa.bindparam("now", type_=sa.DateTime()), sa.bindparam("year_ago", type_=sa.DateTime())]
    rows = conn.execute(sql.text(sql.cadence()).bindparams(*binds),
                        {**params, "now": now, "year_ago": now - timedelta(days=365)}).all()
    out = []
    for event_id, activity_id, title, setting, starts_on, ends_on, meetings, recent, first, last in rows:
        per_year = int(float(setting)) if setting not in (None, "") else 0
        if starts_on and ends_on:
            span = (_as_date(starts_on), _as_date(ends_on))
        elif meetings:
            span = (_as_date(first), _as_date(last))
        else:
            span = None
        if not per_year:
            short = False
        elif span is None:
            short = True
        else:
            expected = max(1, math.floor(per_year * ((span[1] - span[0]).days + 1) / 365 + 1e-9))
            short = meetings < expected
        out.append({"activity_id": activity_id, "event_id": event_id, "title": title, "required_per_year": per_year,
                    "meetings_last_12_months": int(recent or 0), "short": short})
    return out


# --- comparing answers ----------------------------------------------------------------------

def flatten(doc):
    """{"goal 3 by_gender[female]": 41, ...}: every value of a progress answer under a
    readable path; lists keyed by their rows' ids, their order as a value of its own."""
    out = {}
    keyed = {"goals": "goal_id", "targets": "function_code", "cadence": "event_id"}
    for key, value in doc.items():
        if key in keyed and isinstance(value, list):
            ident = keyed[key]
            out[f"{key} order"] = [row.get(ident) for row in value]
            for row in value:
                for field, v in row.items():
                    path = f"{key}[{row.get(ident)}].{field}"
                    if isinstance(v, dict):
                        out[f"{path} keys"] = sorted(map(str, v))
                        out.update({f"{path}[{k}]": n for k, n in v.items()})
                    else:
                        out[path] = v
        else:
            out[key] = value
    return out


def differences(answer, expected):
    """["path: answer X, baseline Y", ...] for every value that differs, or is in one only."""
    got = flatten(answer)
    want = flatten(expected)
    missing = object()
    out = []
    for path in sorted(set(got) | set(want)):
        a, b = got.get(path, missing), want.get(path, missing)
        if a != b or type(a) is not type(b):
            out.append(f"{path}: answer {'(none)' if a is missing else repr(a)}, baseline {'(none)' if b is missing else repr(b)}")
    return out


def check(conn, programme_id, answer, args=None, tz=TZ, now=None):
    """Both formulations of the baseline for the API arguments ``args`` on ``conn``,
    compared with ``answer``: {formulation: [differences]}."""
    filters = filters_from_args(args or {})
    return {how: differences(answer, baseline(conn, programme_id, how, tz=tz, now=now, **filters))
            for how in FORMULATIONS}


# --- the bench data -------------------------------------------------------------------------

def enrich(programme_id):
    """What `demo scale` leaves out, so every counting rule is exercised: a person goal
    linked to some activities and limited to two job functions, outcomes for an
    organisation goal (some organisations twice), snapshots that differ between a
    person's enrollments and ties on created_at. Uses the app's session; flushes."""
    from lms.catalog.models import Activity
    from lms.extensions import db
    from lms.people.models import JobFunction
    from lms.programmes.models import Goal, OrganisationOutcome, Programme, TargetGroup

    programme = db.session.get(Programme, programme_id)
    activities = db.session.scalars(sa.select(Activity).where(Activity.programme_id == programme_id)
                                    .order_by(Activity.id)).all()
    biggest = db.session.scalars(sa.select(JobFunction).join(TargetGroup, TargetGroup.job_function_id == JobFunction.id)
                                 .where(TargetGroup.programme_id == programme_id)
                                 .order_by(TargetGroup.planned.desc(), JobFunction.id).limit(2)).all()
    linked = Goal(programme=programme, key="G3", title="Two functions in half the activities", unit="persons",
                  target=max(1, len(activities)), basis="attended", position=3)
    linked.activities = [a for kind in sorted({a.kind for a in activities})
                         for a in [b for b in activities if b.kind == kind][::2]]  # every other one of each kind
    linked.functions = biggest
    db.session.add(linked)
    goal = db.session.scalar(sa.select(Goal).where(Goal.programme_id == programme_id, Goal.unit == "organisations"))
    organisations = [o.id for o in programme.organisations]
    for k, organisation_id in enumerate(organisations[::3]):
        for _ in range(1 + (k % 2)):
            db.session.add(OrganisationOutcome(goal=goal, organisation_id=organisation_id, evidence="bench"))
    db.session.flush()
    # `demo scale` gives a person the same snapshot on every enrollment, and enrollments
    # of one person rarely share a created_at: then "as at the first counted enrollment"
    # would go untested. Every 4th enrollment gets another organisation, function and
    # gender; every 7th person's enrollments share one created_at (the id decides).
    events = ("SELECT ev.id FROM event ev JOIN activity a ON a.id = ev.activity_id"
              " WHERE a.programme_id = :programme")
    params = {"programme": programme_id}
    db.session.execute(sa.text(
        "UPDATE enrollment SET"
        " organisation_id = (SELECT min(po.organisation_id) FROM programme_organisation po"
        "   WHERE po.programme_id = :programme AND po.organisation_id <> enrollment.organisation_id),"
        " job_function_id = (SELECT min(t.job_function_id) FROM target_group t"
        "   WHERE t.programme_id = :programme AND t.job_function_id <> enrollment.job_function_id),"
        " gender = CASE gender WHEN 'female' THEN 'male' ELSE 'female' END"
        f" WHERE id % 4 = 0 AND event_id IN ({events})"), params)
    db.session.execute(sa.text(
        "UPDATE enrollment SET created_at = (SELECT min(e2.created_at) FROM enrollment e2"
        "   WHERE e2.person_id = enrollment.person_id)"
        f" WHERE person_id % 7 = 0 AND event_id IN ({events})"), params)
    # Hand-written SQL bypasses the ORM that keeps the participation ledger: rebuild it,
    # as anyone changing enrollments in bulk must.
    from lms.goals.ledger import rebuild

    rebuild(programme_id)
    db.session.expire_all()


def cases(today=None):
    """The bench's cases: name -> the progress API's query arguments."""
    today = today or datetime.now(ZoneInfo(TZ)).date()
    return {
        "unfiltered": {},
        "filtered": {"from": (today - timedelta(days=365)).isoformat(), "to": (today - timedelta(days=30)).isoformat(),
                     "kind": "network"},
    }


# --- the run ----------------------------------------------------------------------------------

def _ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def run(url, persons, label, rounds):
    """Build, time, compare. Returns (problems: [str], missed targets: [str], timings:
    {figure: median seconds}) for the growth ratios."""
    from flask_migrate import upgrade

    from lms import create_app
    from lms.auth.operations import issue_token
    from demo.scale import scale_data
    from lms.extensions import db
    from lms.people.models import Person, RoleGrant
    from lms.programmes.models import Programme

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade(revision="heads")
        start = time.perf_counter()
        scale_data(persons)
        programme = db.session.scalar(sa.select(Programme).where(Programme.code == f"SCALE-{persons}"))
        enrich(programme.id)
        db.session.commit()
        print(f"[{label}] demo scale --persons {persons}, plus a linked goal limited to two functions and "
              f"organisation outcomes: {time.perf_counter() - start:.1f} s")
        coordinator = Person(email=f"bench-{uuid.uuid4().hex[:6]}@example.org", name="Bench", locale="en", timezone=TZ)
        coordinator.roles.append(RoleGrant(role="coordinator"))
        db.session.add(coordinator)
        db.session.flush()
        token = issue_token(coordinator)[0]
        db.session.commit()
        counts = {t: db.session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                  for t in ("enrollment", "attendance", "completion", "organisation_outcome")}
        print(f"[{label}] rows: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
        if url.startswith("postgresql"):
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        programme_id, coordinator_id = programme.id, coordinator.id
        manager_id, learner_id = _manager_and_learner(programme_id)
        db.session.remove()

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    problems, missed, timings = [], [], {}
    for case, args in cases().items():
        median, results = _time_case(app, client, headers, programme_id, args, rounds)
        timings[f"progress API, {case}"] = median["api"]
        best = min(FORMULATIONS, key=median.get)
        ratio = median["api"] / median[best]
        shown = " ".join(f"{k}={v}" for k, v in args.items()) or "no filters"
        print(f"[{label}] {case} ({shown}), median of {rounds}: progress API {_ms(median['api'])}; baseline SQL: "
              + ", ".join(f"{how} {_ms(median[how])}" for how in FORMULATIONS)
              + f" -> baseline = {best}; ratio API/baseline {ratio:.2f}")
        print(f"[{label}] {case}: of the API's time, in process: progress() {_ms(median['progress()'])}, "
              f"cadence_report() {_ms(median['cadence_report()'])}; achieved: "
              + ", ".join(f"{g['title'][:24]} {g['achieved']}" for g in results["api"]["goals"]))
        answer = results["api"]
        for how in FORMULATIONS:
            found = differences(answer, results[how])
            summary = _summary(answer)
            if found:
                problems.append(f"{label} {case}: {len(found)} figures differ from the {how} baseline")
                print(f"[{label}] {case}: DIFFERENCES from the {how} baseline ({len(found)}), first ones:")
                for line in found[:10]:
                    print(f"    {line}")
            else:
                print(f"[{label}] {case}: all {summary} equal to the {how} baseline")
        if case == "unfiltered":
            print(f"[{label}] unfiltered ratio API/baseline (informational; its target is growth): {ratio:.2f}"
                  f" ({'within' if ratio <= TARGET else 'above'} {TARGET})")
        else:
            ok = ratio <= TARGET_FILTERED
            print(f"[{label}] target: filtered ratio API/baseline <= {TARGET_FILTERED}: {'met' if ok else 'MISSED'} ({ratio:.2f})")
            if not ok:
                missed.append(f"{label} persons: filtered ratio {ratio:.2f} > {TARGET_FILTERED}")

    timings["dashboard page"] = _dashboard(app, client, programme_id, coordinator_id, label, rounds)
    timings["manager page"] = _page(app, manager_id, "/manager", label, rounds)
    timings["My learning"] = _page(app, learner_id, "/me/learning", label, rounds)
    for fmt in ("xlsx", "csv"):
        import subprocess

        child = subprocess.run([sys.executable, __file__, "--export-child", url, str(programme_id), token, fmt],
                               capture_output=True, text=True, check=False)
        if child.returncode:
            problems.append(f"{label} {fmt} export failed")
            print(f"[{label}] {fmt} export FAILED:\n{child.stderr[-2000:]}")
        else:
            print(f"[{label}] {child.stdout.strip()}")
    with app.app_context():
        db.engine.dispose()
    return problems, missed, timings


def _manager_and_learner(programme_id):
    """A manager of the organisation with the most staff in the programme (their page
    grows with it if anything does), and the person with the most enrolments (My learning)."""
    from lms.catalog.models import Activity, Event
    from lms.enrollment.models import Enrollment
    from lms.extensions import db
    from lms.people.models import Person, RoleGrant

    in_programme = (sa.select(Enrollment.person_id, sa.func.count().label("n"))
                    .join(Event, Event.id == Enrollment.event_id).join(Activity, Activity.id == Event.activity_id)
                    .where(Activity.programme_id == programme_id).group_by(Enrollment.person_id).subquery())
    learner_id = db.session.execute(sa.select(in_programme.c.person_id).order_by(in_programme.c.n.desc(),
                                                                                 in_programme.c.person_id).limit(1)).scalar()
    organisation_id = db.session.execute(
        sa.select(Person.organisation_id).join(in_programme, in_programme.c.person_id == Person.id)
        .where(Person.organisation_id.is_not(None)).group_by(Person.organisation_id)
        .order_by(sa.func.count().desc(), Person.organisation_id).limit(1)).scalar()
    manager = Person(email=f"bench-manager-{uuid.uuid4().hex[:6]}@example.org", name="Bench manager", locale="en",
                     timezone=TZ, organisation_id=organisation_id)
    manager.roles.append(RoleGrant(role="manager", organisation_id=organisation_id))
    db.session.add(manager)
    db.session.commit()
    return manager.id, learner_id


def _signed_in_client(app, person_id):
    """A test client signed in as ``person_id`` (a server-side session record, as signing in makes)."""
    from flask_login.utils import _create_identifier

    from lms.auth import sessions
    from lms.extensions import db
    from lms.people.models import Person

    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "bench"
    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with app.app_context():
        token, _record = sessions.start_session(db.session.get(Person, person_id), "bench")
        db.session.commit()
    with client.session_transaction() as sess:
        sess.update({"_user_id": str(person_id), "_fresh": True, "_id": identifier, sessions.SESSION_KEY: token})
    return client


def _page(app, person_id, path, label, rounds):
    """Median time of one signed-in page (200 checked)."""
    client = _signed_in_client(app, person_id)
    client.get(path)  # warm-up
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        page = client.get(path)
        times.append(time.perf_counter() - started)
        assert page.status_code == 200, (path, page.status_code)
    median = statistics.median(times)
    print(f"[{label}] {path}: {_ms(median)} (status {page.status_code})")
    return median


def _time_case(app, client, headers, programme_id, args, rounds):
    """Medians over ``rounds`` interleaved rounds (a busy moment of the machine hits all
    alike) of the API, both baselines and the API's two parts in process; and the results
    of the warm-up round: {name: seconds}, {name: result}."""
    from urllib.parse import urlencode

    from lms.extensions import db
    from lms.goals.operations import (
        cadence_report,
        narrow_scope,
        parse_api_filters,
        progress,
    )
    from lms.programmes.models import Programme

    path = f"/api/v1/programmes/{programme_id}/progress" + (f"?{urlencode(args)}" if args else "")
    filters = filters_from_args(args)

    def call():
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
        return response.get_json()

    def sql(how):
        with app.app_context(), db.engine.connect() as conn:
            return baseline(conn, programme_id, how, **filters)

    def part(name):
        with app.app_context():
            programme = db.session.get(Programme, programme_id)
            chosen, organisation_id = parse_api_filters(args, programme, ZoneInfo(TZ))
            if name == "progress()":
                progress(programme, narrow_scope(None, organisation_id), chosen)
            else:
                cadence_report(programme, chosen)
            db.session.remove()

    runners = {"api": call, **{how: (lambda how=how: sql(how)) for how in FORMULATIONS},
               **{name: (lambda name=name: part(name)) for name in ("progress()", "cadence_report()")}}
    times = {name: [] for name in runners}
    results = {name: fn() for name, fn in runners.items()}  # warm-up, and the answers to compare
    for _ in range(rounds):
        for name, fn in runners.items():
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(ts) for name, ts in times.items()}, results


def _summary(doc):
    flat = flatten(doc)
    goals, targets, cadence = len(doc.get("goals", [])), len(doc.get("targets", [])), len(doc.get("cadence", []))
    return f"{len(flat)} values ({goals} goals, {targets} targets, {cadence} cadence rows)"


def _dashboard(app, client, programme_id, person_id, label, rounds):
    """The dashboard page, signed in as the coordinator; returns the unfiltered median."""
    client = _signed_in_client(app, person_id)
    filtered = cases()["filtered"]
    medians = {}
    for case, query in (("unfiltered", ""), ("filtered", f"?start={filtered['from']}&end={filtered['to']}&kind={filtered['kind']}")):
        client.get(f"/programmes/{programme_id}/dashboard{query}")  # warm-up
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            page = client.get(f"/programmes/{programme_id}/dashboard{query}")
            times.append(time.perf_counter() - started)
        assert page.status_code == 200, page.status_code
        medians[case] = statistics.median(times)
        print(f"[{label}] dashboard page, {case}: {_ms(medians[case])} (status {page.status_code})")
    return medians["unfiltered"]


# --- the export, measured alone in a fresh process --------------------------------------------

def _rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def export_child(url, programme_id, token, fmt):
    """Prints one line: the export's time, its resident-size growth (before, peak while
    it runs, after) and the Python heap's peak during it (a second export, under
    tracemalloc). The file goes to a temporary file, chunk by chunk, as a client would."""
    import csv
    import gc
    import threading
    import tracemalloc

    from lms import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/programmes/{programme_id}/report.{fmt}"

    def export(target):
        response = client.get(path, headers=headers, buffered=False)
        assert response.status_code == 200, response.status_code
        size = 0
        for chunk in response.response:
            target.write(chunk)
            size += len(chunk)
        response.close()
        return size

    # Warm up: the goal table export loads the same code (writers, labels, the query layer).
    with tempfile.TemporaryFile() as scratch:
        response = client.get(f"/api/v1/programmes/{programme_id}/goals.{fmt}", headers=headers, buffered=False)
        for chunk in response.response:
            scratch.write(chunk)
        response.close()
    gc.collect()

    peak, done = [0.0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mb())
            done.wait(0.005)

    with tempfile.NamedTemporaryFile(suffix=f".{fmt}") as out:
        before = _rss_mb()
        peak[0] = before
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        size = export(out)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        after = _rss_mb()
        out.flush()
        if fmt == "xlsx":
            from openpyxl import load_workbook

            workbook = load_workbook(out.name, read_only=True)
            rows = sum(1 for _ in workbook.active.iter_rows(values_only=True))
            workbook.close()
        else:
            with open(out.name, encoding="utf-8-sig", newline="") as handle:
                rows = sum(1 for _ in csv.reader(handle, delimiter=";"))
    gc.collect()
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        base_heap = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        export(out)
        heap_peak = tracemalloc.get_traced_memory()[1] - base_heap
        tracemalloc.stop()
    print(f"{fmt.upper()} export (per person, in a fresh process): {rows} rows, {size / 1e6:.1f} MB, {seconds:.1f} s; "
          f"resident size {before:.0f} MB before, +{peak[0] - before:.1f} MB at its peak during the export, "
          f"{after - before:+.1f} MB after; Python heap peak during the export +{heap_peak / 1e6:.1f} MB (tracemalloc)")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 5 and argv[0] == "--export-child":
        return export_child(argv[1], int(argv[2]), argv[3], argv[4]) or 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=None, help="one size only: persons in the SCALE programme")
    parser.add_argument("--sizes", type=int, nargs=2, default=None, metavar=("SMALL", "LARGE"),
                        help=f"the two sizes whose growth is measured (default {DEFAULT_SIZES[0]} {DEFAULT_SIZES[1]})")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per figure (median; default 5)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 300 and 3000 persons, 2 rounds")
    parser.add_argument("--db", nargs="+", default=["postgresql", "sqlite"], choices=["postgresql", "sqlite"])
    args = parser.parse_args(argv)
    sizes = [args.persons] if args.persons else list(args.sizes or ((300, 3_000) if args.quick else DEFAULT_SIZES))
    rounds = args.rounds or (2 if args.quick else 5)
    problems, missed, growth = [], [], []
    for kind in args.db:
        timings = {}
        for persons in sizes:
            found, late, timings[persons] = _run_on(kind, persons, rounds)
            problems += found
            missed += late
        if len(sizes) == 2:
            small, large = sizes
            for figure, target in GROWTH_TARGETS.items():
                ratio = timings[large][figure] / timings[small][figure]
                ok = ratio <= target
                line = (f"[{kind}] growth {figure}: {_ms(timings[small][figure])} at {small:,} persons, "
                        f"{_ms(timings[large][figure])} at {large:,}: ratio {ratio:.2f} (target <= {target}) "
                        f"{'met' if ok else 'MISSED'}")
                growth.append(line)
                if not ok:
                    missed.append(f"{kind} growth of the {figure}: {ratio:.2f} > {target}")
    for line in growth:
        print(line)
    for line in problems:
        print("DIFFERENCE:", line)
    for line in missed:
        print("TARGET MISSED:", line)
    print("RESULT:", "figures differ from the baseline" if problems else "all figures equal the baseline", "/",
          "a target missed" if missed else "targets met")
    return 2 if problems else 1 if missed else 0


def _run_on(kind, persons, rounds):
    """:func:`run` on a new database of ``kind`` (dropped afterwards)."""
    if kind == "postgresql":
        name = f"brobygger_progress_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            return run(ADMIN_URL.rsplit("/", 1)[0] + "/" + name, persons, f"postgresql {persons:,}", rounds)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    with tempfile.TemporaryDirectory(prefix="brobygger-progress-") as directory:
        return run(f"sqlite:///{directory}/progress.db", persons, f"sqlite {persons:,}", rounds)


if __name__ == "__main__":
    sys.exit(main())
