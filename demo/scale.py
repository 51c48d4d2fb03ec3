"""Synthetic benchmark data: ``flask demo scale --persons N``.

Everything goes into its own programme ``SCALE-<N>`` with its own organisations and
people, written by bulk inserts (no ORM object per row): SQLAlchemy Core ``insert()``
with lists of dicts on SQLite, ``COPY ... FROM STDIN`` on PostgreSQL. Rows are generated
in chunks so memory stays flat even at 2M attendance marks.

Shape for N persons (trainers excepted, every person has exactly three enrollments):
one seminar occurrence (1 session), one network cycle (22 meetings, fortnightly) and either a
workshop group (2 sessions) or a track cohort (5 days as 2+2+1). Events lie between
about 700 days ago and 90 days ahead; past sessions carry attendance marks (~20 per
person), finished events are finalized with a completion or non-completion per
enrollment. Ids are reserved up front (``nextval`` on PostgreSQL; on SQLite the write
transaction holds the database lock) so related rows can be written without reading
ids back.
"""
import json
import math
import random
import time as clock
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, text

from demo import names
from demo.load import read_data
from lms.attendance.models import Attendance, AttendanceChange
from lms.catalog.models import Activity, Event, Session, activity_prerequisite, event_trainer
from lms.completion.models import Completion, Finalization, NonCompletion
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.goals.models import Participation
from lms.people.models import JobFunction, Organisation, Person, RoleGrant
from lms.programmes.models import Goal, Programme, TargetGroup, Theme, programme_organisation

TZ = ZoneInfo("Europe/Stockholm")
CHUNK = 10_000
ORGANISATIONS = 50
SEMINAR_FILL, NETWORK_FILL, WORKSHOP_FILL, TRACK_FILL = 100, 33, 16, 18
NETWORK_MEETINGS = 22


class ScaleExists(Exception):
    """The SCALE-<N> programme is already there."""


def programme_code(persons):
    return f"SCALE-{persons}"


class _Writer:
    """Bulk inserts in chunks, with progress lines."""

    def __init__(self, progress):
        self.conn = db.session.connection()
        self.dialect = self.conn.dialect.name
        self.progress = progress or (lambda message: None)
        self.started = clock.perf_counter()
        self.rows = {}
        self._next_id = {}  # SQLite: ids reserved but not yet written

    def elapsed(self):
        return clock.perf_counter() - self.started

    def reserve_ids(self, table, count):
        """``count`` new primary keys for ``table``."""
        if count <= 0:
            return []
        if self.dialect == "postgresql":
            result = self.conn.execute(
                text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                {"t": table.name, "n": count},
            )
            return [row[0] for row in result]
        start = max((self.conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1,
                    self._next_id.get(table.name, 0))
        self._next_id[table.name] = start + count
        return list(range(start, start + count))

    def insert(self, table, columns, rows, label=None):
        """Write ``rows`` (tuples in ``columns`` order, aware datetimes) to ``table``."""
        label = label or table.name
        total = 0
        batch = []
        next_report = 200_000
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                total += self._write(table, columns, batch)
                batch = []
                if total >= next_report:
                    self.progress(f"  {label}: {total} rows ({self.elapsed():.1f} s)")
                    next_report += 200_000
        if batch:
            total += self._write(table, columns, batch)
        self.rows[label] = self.rows.get(label, 0) + total
        self.progress(f"{label}: {total} rows inserted ({self.elapsed():.1f} s)")
        return total

    def _write(self, table, columns, batch):
        if self.dialect == "postgresql":
            raw = self.conn.connection.driver_connection
            names_ = ", ".join(f'"{c}"' for c in columns)
            with raw.cursor() as cursor:
                with cursor.copy(f'COPY "{table.name}" ({names_}) FROM STDIN') as copy:
                    for row in batch:
                        copy.write_row([_pg(v) for v in row])
        else:
            self.conn.execute(insert(table), [dict(zip(columns, row)) for row in batch])
        return len(batch)


def _pg(value):
    # COPY bypasses the column types: naive UTC for UTCDateTime, text for JSON.
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def delete_scale(persons, progress=None):
    """Delete the SCALE-<N> programme, its activities (and all under them), people and organisations."""
    code = programme_code(persons)
    prog_id = db.session.scalar(select(Programme.id).where(Programme.code == code))
    conn = db.session.connection()
    # Deleting a parent row makes the database look for child rows; these foreign-key
    # columns have no index, so each look-up would scan the table (hours at 2M rows).
    # Temporary indexes, dropped again in the same transaction, make it seconds.
    for table, column in _UNINDEXED_FKS:
        conn.execute(text(f'CREATE INDEX "tmp_scale_{table}_{column}" ON "{table}" ("{column}")'))
    if prog_id is not None:
        acts = select(Activity.id).where(Activity.programme_id == prog_id).scalar_subquery()
        events = select(Event.id).where(Event.activity_id.in_(acts)).scalar_subquery()
        enrols = select(Enrollment.id).where(Enrollment.event_id.in_(events)).scalar_subquery()
        sessions = select(Session.id).where(Session.event_id.in_(events)).scalar_subquery()
        for stmt in (
            delete(Attendance).where(Attendance.session_id.in_(sessions)),
            delete(AttendanceChange).where(AttendanceChange.session_id.in_(sessions)),
            delete(Completion).where(Completion.enrollment_id.in_(enrols)),
            delete(NonCompletion).where(NonCompletion.enrollment_id.in_(enrols)),
            delete(Participation).where(Participation.programme_id == prog_id),
            delete(Enrollment).where(Enrollment.event_id.in_(events)),
            delete(Finalization).where(Finalization.event_id.in_(events)),
            delete(event_trainer).where(event_trainer.c.event_id.in_(events)),
            delete(Session).where(Session.event_id.in_(events)),
            delete(Event).where(Event.activity_id.in_(acts)),
            delete(activity_prerequisite).where(activity_prerequisite.c.activity_id.in_(acts)),
            delete(Activity).where(Activity.programme_id == prog_id),
            delete(Programme).where(Programme.id == prog_id),
        ):
            conn.execute(stmt)
    people = select(Person.id).where(Person.email.like(f"%@{_domain(persons)}")).scalar_subquery()
    conn.execute(delete(RoleGrant).where(RoleGrant.person_id.in_(people)))
    conn.execute(delete(Person).where(Person.email.like(f"%@{_domain(persons)}")))
    conn.execute(delete(Organisation).where(Organisation.name.like(f"{code} %")))
    for table, column in _UNINDEXED_FKS:
        conn.execute(text(f'DROP INDEX "tmp_scale_{table}_{column}"'))
    db.session.expire_all()
    if progress:
        progress(f"Deleted the existing {code}.")


_UNINDEXED_FKS = [
    ("enrollment", "moved_from_id"), ("enrollment", "created_by_id"), ("enrollment", "decided_by_id"),
    ("attendance", "marked_by_id"), ("attendance_change", "changed_by_id"), ("action_plan", "created_by_id"),
    ("finalization", "by_id"), ("organisation_outcome", "recorded_by_id"), ("event_trainer", "person_id"),
]


def _domain(persons):
    return f"scale{persons}.brobygger.se"


def scale_data(persons, seed=1, replace=False, progress=None):
    """Create the SCALE-<persons> benchmark programme with bulk inserts; flushes, never commits.

    Raises :class:`ScaleExists` when it exists and ``replace`` is false. Returns
    ``{"rows": {table: count}, "seconds": elapsed}``.
    """
    code = programme_code(persons)
    db.session.flush()
    exists = db.session.scalar(select(Programme.id).where(Programme.code == code))
    if exists is not None:
        if not replace:
            raise ScaleExists(f"Programme {code} already exists; use --replace to delete and rebuild it.")
        delete_scale(persons, progress)
    return _Scale(persons, seed, progress).run()


class _Scale:
    def __init__(self, persons, seed, progress):
        self.n = persons
        self.rng = random.Random(seed)
        self.w = _Writer(progress)
        self.now = datetime.now(timezone.utc)
        self.today = self.now.astimezone(TZ).date()
        self.code = programme_code(persons)

    def at(self, d, hour, minute=0):
        return datetime.combine(d, time(hour, minute), tzinfo=TZ).astimezone(timezone.utc)

    def run(self):
        self.reference()
        self.people()
        self.catalogue()
        self.participation()
        from lms.goals.ledger import rebuild

        rebuild(programme_id=self.w.conn.execute(select(Programme.id).where(Programme.code == self.code)).scalar())
        db.session.expire_all()
        self.w.progress(f"Finished {self.code} in {self.w.elapsed():.1f} s.")
        return {"rows": self.w.rows, "seconds": self.w.elapsed()}

    # --- organisations, functions, programme ---------------------------------------
    def reference(self):
        data = read_data()
        conn = self.w.conn
        fns = dict(conn.execute(select(JobFunction.code, JobFunction.id)).all())
        missing = [f for f in data["functions"] if f["code"] not in fns]
        if missing:
            ids = self.w.reserve_ids(JobFunction.__table__, len(missing))
            self.w.insert(JobFunction.__table__, ["id", "code", "name"],
                          [(i, f["code"], f["name"]) for i, f in zip(ids, missing)])
            fns.update({f["code"]: i for i, f in zip(ids, missing)})
        self.fn_ids = [fns[f["code"]] for f in data["functions"] if f["planned"] > 0]
        self.fn_weights = [f["planned"] for f in data["functions"] if f["planned"] > 0]
        self.teacher = fns["teacher"]

        self.org_ids = self.w.reserve_ids(Organisation.__table__, ORGANISATIONS)
        kinds = ["municipality"] * 40 + ["federation"] * 5 + ["company"] * 3 + ["agency"] * 2
        self.w.insert(Organisation.__table__, ["id", "name", "kind", "region"], [
            (oid, f"{self.code} Organisation {k + 1:02d}", kinds[k % len(kinds)], "Benchmark")
            for k, oid in enumerate(self.org_ids)])

        (self.prog_id,) = self.w.reserve_ids(Programme.__table__, 1)
        starts, ends = self.today - timedelta(days=730), self.today + timedelta(days=400)
        self.w.insert(Programme.__table__, ["id", "code", "name", "description", "starts_on", "ends_on"], [
            (self.prog_id, self.code, f"Benchmark programme, {self.n} persons",
             "Synthetic data from flask demo scale.", starts, ends)])
        self.w.insert(programme_organisation, ["programme_id", "organisation_id"],
                      [(self.prog_id, o) for o in self.org_ids])
        self.w.insert(TargetGroup.__table__, ["programme_id", "job_function_id", "planned"], [
            (self.prog_id, f, round(self.n * w / sum(self.fn_weights))) for f, w in zip(self.fn_ids, self.fn_weights)])
        self.theme_ids = self.w.reserve_ids(Theme.__table__, 4)
        self.w.insert(Theme.__table__, ["id", "programme_id", "name", "position"], [
            (tid, self.prog_id, f"Theme {k + 1}", k) for k, tid in enumerate(self.theme_ids)])
        self.w.insert(Goal.__table__, ["programme_id", "key", "title", "unit", "target", "basis", "position"], [
            (self.prog_id, "G1", "Persons who attended", "persons", int(self.n * 0.8), "attended", 0),
            (self.prog_id, "G2", "Persons who completed", "persons", int(self.n * 0.6), "completed", 1),
            (self.prog_id, "O1", "Organisations with outcomes", "organisations", ORGANISATIONS // 2, "attended", 2),
        ])

    # --- people -------------------------------------------------------------------
    def people(self):
        rng, n = self.rng, self.n
        self.person_ids = self.w.reserve_ids(Person.__table__, n)
        self.org_of = [rng.choice(self.org_ids) for _ in range(n)]
        self.fn_of = rng.choices(self.fn_ids, self.fn_weights, k=n)
        # Trainers: one per ~250 persons, teachers; they train and mark, they do not enrol.
        trainers = min(n, max(4, n // 250))
        for k in range(trainers):
            self.fn_of[k] = self.teacher
        self.trainers = self.person_ids[:trainers]
        self.learners = list(range(trainers, n))  # indexes into person_ids
        created = self.now - timedelta(days=800)
        domain = _domain(n)

        self.gender_of = {}

        def rows():
            for k, pid in enumerate(self.person_ids):
                r = rng.random()
                gender = "female" if r < 0.6 else "male" if r < 0.98 else "unspecified"
                self.gender_of[k] = gender
                first = rng.choice(names.FEMALE_FIRST if gender == "female" else names.MALE_FIRST)
                last = rng.choice(names.LAST)
                yield (pid, f"p{k + 1}@{domain}", f"{first} {last}", self.org_of[k], self.fn_of[k], gender,
                       rng.randint(1960, 1998), "sv", "Europe/Stockholm", True, created)

        self.w.insert(Person.__table__, ["id", "email", "name", "organisation_id", "job_function_id", "gender",
                                         "birth_year", "locale", "timezone", "active", "created_at"], rows())
        self.w.insert(RoleGrant.__table__, ["person_id", "role"], [(pid, "trainer") for pid in self.trainers])

    # --- activities, events, sessions -----------------------------------------------
    def catalogue(self):
        rng = self.rng
        learners = len(self.learners)
        half = learners // 2
        plan = [  # kind, events, events per activity, fill, capacity, sessions
            ("seminar", math.ceil(learners / SEMINAR_FILL), 3, SEMINAR_FILL, 120),
            ("network", math.ceil(learners / NETWORK_FILL), 20, NETWORK_FILL, 40),
            ("workshop", math.ceil(half / WORKSHOP_FILL), 10, WORKSHOP_FILL, 20),
            ("track", math.ceil((learners - half) / TRACK_FILL), 10, TRACK_FILL, 20),
        ]
        settings = {
            "seminar": {},
            "network": {"min_meetings": 3, "cadence_per_year": 12},
            "workshop": {"method": "open"},
            "track": {"days": 5, "blocks": [2, 2, 1], "min_ratio": 1.0},
        }
        act_rows, event_rows, self.events = [], [], []
        created = self.at(self.today - timedelta(days=760), 8)
        for kind, n_events, per_act, fill, capacity in plan:
            n_acts = math.ceil(n_events / per_act)
            act_ids = self.w.reserve_ids(Activity.__table__, n_acts)
            ev_ids = self.w.reserve_ids(Event.__table__, n_events)
            for a, aid in enumerate(act_ids):
                act_rows.append((aid, self.prog_id, kind, f"{kind.title()} {a + 1}", "", self.theme_ids[a % 4],
                                 False, settings[kind], created))
            for e, eid in enumerate(ev_ids):
                days = self.session_days(kind, rng.randint(-700, 90))
                hours = {"seminar": (9, 12), "network": (13, 16), "workshop": (9, 13), "track": (9, 16)}[kind]
                spans = [(self.at(d, hours[0]), self.at(d, hours[1])) for d in days]
                self.events.append({"id": eid, "kind": kind, "activity_id": act_ids[e // per_act], "fill": fill,
                                    "capacity": capacity, "spans": spans, "trainer": self.trainers[e % len(self.trainers)],
                                    "title": f"Group {e % per_act + 1}"})
        self.w.insert(Activity.__table__, ["id", "programme_id", "kind", "title", "description", "theme_id",
                                           "requires_approval", "settings", "created_at"], act_rows)

        # Who goes where: every learner one seminar, one network, one workshop or track.
        order = list(self.learners)
        by_kind = {k: [e for e in self.events if e["kind"] == k] for k in ("seminar", "network", "workshop", "track")}
        for kind, people in (("seminar", order), ("network", order)):
            shuffled = people[:]
            rng.shuffle(shuffled)
            self.fill(by_kind[kind], shuffled)
        shuffled = order[:]
        rng.shuffle(shuffled)
        self.fill(by_kind["workshop"], shuffled[:half])
        self.fill(by_kind["track"], shuffled[half:])

        for e in self.events:
            first, last = e["spans"][0][0], e["spans"][-1]
            past = last[1] <= self.now
            e["status"] = "finalized" if past else "open"
            opens = first - timedelta(days=60)
            closes = first - timedelta(days=2)
            event_rows.append((e["id"], e["activity_id"], e["title"], e["capacity"], len(e["members"]), None, None,
                               opens, closes, e["status"], opens - timedelta(days=7)))
        self.w.insert(Event.__table__, ["id", "activity_id", "title", "capacity", "seats_taken", "place",
                                        "online_url", "enrol_opens_at", "enrol_closes_at", "status", "created_at"],
                      event_rows)
        self.w.insert(event_trainer, ["event_id", "person_id"], [(e["id"], e["trainer"]) for e in self.events])
        session_ids = iter(self.w.reserve_ids(Session.__table__, sum(len(e["spans"]) for e in self.events)))
        for e in self.events:
            e["sessions"] = [(next(session_ids), s, t) for s, t in e["spans"]]
        self.w.insert(Session.__table__, ["id", "event_id", "starts_at", "ends_at"],
                      ((sid, e["id"], s, t) for e in self.events for sid, s, t in e["sessions"]))

    def fill(self, events, people):
        """Give each event ``fill`` people in turn (never more than its capacity)."""
        k = 0
        for e in events:
            e.setdefault("members", [])
            take = people[k:k + e["fill"]]
            e["members"].extend(take)
            k += len(take)

    def session_days(self, kind, offset):
        start = self.today + timedelta(days=offset)
        while start.weekday() >= 5:
            start += timedelta(days=1)
        if kind == "seminar":
            return [start]
        if kind == "workshop":
            return [start, start + timedelta(days=7)]
        if kind == "track":
            start -= timedelta(days=start.weekday())  # a Monday
            return [start + timedelta(days=d) for d in (0, 1, 14, 15, 28)]
        return [start + timedelta(days=14 * m) for m in range(NETWORK_MEETINGS)]

    # --- enrollments, attendance, completions ----------------------------------------
    def participation(self):
        rng = self.rng
        total = sum(len(e["members"]) for e in self.events)
        ids = iter(self.w.reserve_ids(Enrollment.__table__, total))
        for e in self.events:
            e["enrollments"] = [(next(ids), m) for m in e["members"]]

        def enrollment_rows():
            for e in self.events:
                created = e["spans"][0][0] - timedelta(days=30)
                for eid, m in e["enrollments"]:
                    yield (eid, e["id"], self.person_ids[m], "enrolled", self.org_of[m], self.fn_of[m],
                           self.gender_of[m], created, self.person_ids[m])

        self.w.insert(Enrollment.__table__, ["id", "event_id", "person_id", "status", "organisation_id",
                                             "job_function_id", "gender", "created_at", "created_by_id"], enrollment_rows())

        completions, non_completions, finalizations = [], [], []

        def marks():
            for e in self.events:
                past = [(sid, s, t) for sid, s, t in e["sessions"] if t <= self.now]
                if not past:
                    continue
                finalized = e["status"] == "finalized"
                for eid, m in e["enrollments"]:
                    attended = minutes = 0
                    for sid, s, t in past:
                        r = rng.random()
                        status = "present" if r < 0.88 else "late" if r < 0.93 else "absent" if r < 0.98 else "excused"
                        length = int((t - s).total_seconds() // 60)
                        mins = length - 15 if status == "late" else None
                        if status in ("present", "late"):
                            attended += 1
                            minutes += mins if mins is not None else length
                        yield (eid, sid, status, mins, e["trainer"], t + timedelta(minutes=30))
                    if finalized:
                        self.decide(e, eid, attended, minutes, completions, non_completions)
                if finalized:
                    finalizations.append((e["id"], "finalized", e["trainer"], e["spans"][-1][1] + timedelta(days=2)))

        self.w.insert(Attendance.__table__, ["enrollment_id", "session_id", "status", "minutes", "marked_by_id",
                                             "marked_at"], marks())
        self.w.insert(Completion.__table__, ["enrollment_id", "completed_on", "hours", "minutes",
                                             "sessions_attended", "created_at"], completions)
        self.w.insert(NonCompletion.__table__, ["enrollment_id", "reason", "minutes", "sessions_attended",
                                                "decided_at"], non_completions)
        self.w.insert(Finalization.__table__, ["event_id", "action", "by_id", "at"], finalizations)

    def decide(self, e, eid, attended, minutes, completions, non_completions):
        """The built-in kinds' rules, applied to counts (see modules/*)."""
        at = e["spans"][-1][1] + timedelta(days=2)
        sessions = len(e["sessions"])
        if e["kind"] == "network":
            ok, reason = attended >= 3, f"Attended {attended} of 3 meetings needed."
        elif e["kind"] == "track":
            ok, reason = attended >= sessions, f"Attended {attended} of {sessions} days."
        else:
            ok, reason = attended > 0, "Did not attend."
        if ok:
            completed_on = e["spans"][-1][0].astimezone(TZ).date()
            completions.append((eid, completed_on, round(minutes / 60, 2), minutes, attended, at))
        else:
            non_completions.append((eid, reason, minutes, attended, at))
