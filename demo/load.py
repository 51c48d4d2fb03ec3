"""The LC-KOMP demo programme, built from ``data/lc-komp.json``.

:func:`load_demo` only adds and flushes; the ``flask demo load`` command commits. Every
row is looked up by its natural key first (organisation name, function code, person
email, programme code, activity title within the programme, event title within the
activity), so loading again adds nothing. Dates are day offsets from today, so about half
of the programme lies in the past (attendance marked, events finalized with completions)
and half is open for enrolment. Random choices use a fixed seed: the same day gives the
same data.
"""
import json
import random
import unicodedata
from collections import Counter
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from sqlalchemy import func, select

from demo import names
from lms.attendance.hours import minutes_of, session_minutes, to_hours
from lms.attendance.models import ATTENDED, Attendance, AttendanceChange
from lms.catalog.models import Activity, Event, Session
from lms.completion.models import Completion, Finalization, NonCompletion
from demo import names
from modules.workshops.models import ActionPlan  # the workshop kind's own table
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.people.models import JobFunction, Organisation, Person, RoleGrant
from lms.plugins import registry
from lms.programmes.models import Goal, OrganisationOutcome, Programme, TargetGroup, Theme

DATA_FILE = Path(__file__).with_name("data") / "lc-komp.json"
TZ = ZoneInfo("Europe/Stockholm")
DOMAIN = "demo.brobygger.se"
PASSWORD = "demo1234"
SEED = 2009

# The demo logins; all five are among the 260 people (organisation + function), so the
# coordinator's lists show exactly the programme's 260.
LOGINS = [
    {"email": f"admin@{DOMAIN}", "name": "Demo Administratör", "role": "admin", "gender": "unspecified",
     "organisation": "Örebro kommun", "function": "other_staff", "birth_year": 1979,
     "note": "administrator; one of the 260 (other staff)"},
    {"email": f"koordinator@{DOMAIN}", "name": "Maria Holm", "role": "coordinator", "gender": "female",
     "organisation": "Örebro kommun", "function": "project_leader", "birth_year": 1971,
     "note": "coordinator of every programme; one of the 260 (project leader)"},
    {"email": f"chef.orebro@{DOMAIN}", "name": "Eva Lindqvist", "role": "manager", "gender": "female",
     "organisation": "Örebro kommun", "function": "unit_manager", "birth_year": 1968,
     "note": "manager of Örebro kommun; one of the 260 (unit manager)"},
    {"email": f"utbildare@{DOMAIN}", "name": "Johan Ek", "role": "trainer", "gender": "male",
     "organisation": "Nyköpings kommun", "function": "teacher", "birth_year": 1975,
     "note": "trainer on several events; one of the 260 (teacher)"},
    {"email": f"anna.personal@{DOMAIN}", "name": "Anna Persson", "role": None, "gender": "female",
     "organisation": "Örebro kommun", "function": "teacher", "birth_year": 1984,
     "note": "staff in Örebro kommun; one of the 260 (teacher)"},
]

# Functions that work with, not in, the organisations: they attach to a municipality.
ATTACHED_FUNCTIONS = ("business_unit", "employment_service", "company")
SESSION_HOURS = {  # (start, end) local time per kind of meeting
    "seminar": (time(9, 30), time(12, 30)),
    "workshop": (time(9, 0), time(13, 0)),
    "local": (time(13, 0), time(16, 0)),
    "network": (time(10, 0), time(15, 0)),
    "track": (time(9, 0), time(16, 0)),
}


def read_data():
    """The demo figures (a copy of /work/shared/data/lc-komp.json)."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _off(d):
    """No meetings on weekends, in July or over Christmas."""
    return d.weekday() >= 5 or d.month == 7 or (d.month, d.day) >= (12, 20) or (d.month, d.day) <= (1, 6)


def _ascii(text):
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if c.isalnum() and c.isascii())


class _Loader:
    def __init__(self, today=None, now=None, password_hash=None):
        self.data = read_data()
        self.now = now or datetime.now(timezone.utc)
        self.today = today or self.now.astimezone(TZ).date()
        self.rng = random.Random(SEED)
        self.created = Counter()
        self._password_hash = password_hash

    # --- helpers -------------------------------------------------------------------
    def add(self, obj):
        db.session.add(obj)
        self.created[type(obj).__name__] += 1
        return obj

    def password_hash(self):
        if self._password_hash is None:  # argon2 is slow on purpose: hash once
            from lms.auth.operations import hash_password

            self._password_hash = hash_password(PASSWORD)
        return self._password_hash

    def day(self, offset, weekday=True):
        """The date ``offset`` days from today, moved forward off weekends, July and Christmas."""
        d = self.today + timedelta(days=offset)
        while weekday and _off(d):
            d += timedelta(days=1)
        return d

    def at(self, d, t):
        """A local date and time in Stockholm as an aware UTC datetime."""
        return datetime.combine(d, t, tzinfo=TZ).astimezone(timezone.utc)

    def span(self, d, kind):
        start, end = SESSION_HOURS[kind]
        return self.at(d, start), self.at(d, end)

    # --- reference data -----------------------------------------------------------
    def functions(self):
        existing = {f.code: f for f in db.session.scalars(select(JobFunction))}
        for row in self.data["functions"]:
            if row["code"] not in existing:
                existing[row["code"]] = self.add(JobFunction(code=row["code"], name=row["name"]))
        self.fn = existing

    def organisations(self):
        existing = {o.name: o for o in db.session.scalars(select(Organisation))}
        self.orgs = []
        for row in self.data["organisations"]:
            org = existing.get(row["name"])
            if org is None:
                region = row["region"]
                if row.get("members"):  # members named, not created: the count stays 17
                    region = f"{region} ({', '.join(row['members'])})"
                org = self.add(Organisation(name=row["name"], kind=row["kind"], region=region[:120]))
            self.orgs.append(org)
        self.org_by_name = {o.name: o for o in self.orgs}
        db.session.flush()

    def programme(self):
        p = self.data["programme"]
        prog = db.session.scalar(select(Programme).where(Programme.code == p["code"]))
        if prog is None:
            prog = self.add(Programme(
                code=p["code"], name=p["name"],
                description=self.data["about"],
                starts_on=self.today + timedelta(days=p["starts_offset_days"]),
                ends_on=self.today + timedelta(days=p["ends_offset_days"]),
                issuer_name="LC-KOMP – lärcentra i samverkan",
                signer_name="Maria Holm", signer_title="Projektledare",
            ))
        self.prog = prog
        self.start_offset = (prog.starts_on - self.today).days if prog.starts_on else p["starts_offset_days"]
        for org in self.orgs:
            if org not in prog.organisations:
                prog.organisations.append(org)
        have = {t.job_function_id for t in prog.targets}
        for row in self.data["functions"]:
            fn = self.fn[row["code"]]
            if fn.id not in have:
                prog.targets.append(self.add(TargetGroup(job_function=fn, planned=row["planned"])))
        themes = {t.name: t for t in prog.themes}
        self.themes = []
        for i, name in enumerate(self.data["themes"]):
            if name not in themes:
                themes[name] = self.add(Theme(name=name, position=i))
                prog.themes.append(themes[name])
            self.themes.append(themes[name])
        db.session.flush()

    # --- people -------------------------------------------------------------------
    def people(self):
        existing = {p.email: p for p in db.session.scalars(select(Person).where(Person.email.like(f"%@{DOMAIN}")))}
        rng = random.Random(SEED + 1)
        login_slots = Counter(login["function"] for login in LOGINS if login.get("function"))
        # One slot per planned participant, minus the slots the three participant logins fill.
        slots = []
        for row in self.data["functions"]:
            slots += [row["code"]] * (row["planned"] - login_slots[row["code"]])
        total = self.data["participants"]["total"]
        assert len(slots) + sum(login_slots.values()) == total, "planned numbers must add up to the total"
        rng.shuffle(slots)
        logins_female = sum(1 for login in LOGINS if login.get("function") and login["gender"] == "female")
        logins_male = sum(1 for login in LOGINS if login.get("function") and login["gender"] == "male")
        unspecified = 5
        female = round(total * 0.6) - logins_female
        male = total - unspecified - round(total * 0.6) - logins_male
        genders = ["female"] * female + ["male"] * male + ["unspecified"] * unspecified
        genders += ["male"] * (len(slots) - len(genders))
        rng.shuffle(genders)
        # Organisations in a cycle: the bigger ones (Örebro, the federations) twice.
        staff_cycle = [o for o in self.orgs] + [o for o in self.orgs if o.kind == "federation" or o.name == "Örebro kommun"]
        municipalities = [o for o in self.orgs if o.kind == "municipality"]
        rng.shuffle(staff_cycle)
        rng.shuffle(municipalities)
        staff_i = attached_i = 0

        self.people_list = []
        for n, (code, gender) in enumerate(zip(slots, genders), start=1):
            if code in ATTACHED_FUNCTIONS:
                org = municipalities[attached_i % len(municipalities)]
                attached_i += 1
            else:
                org = staff_cycle[staff_i % len(staff_cycle)]
                staff_i += 1
            first = rng.choice({"female": names.FEMALE_FIRST, "male": names.MALE_FIRST}.get(gender, names.NEUTRAL_FIRST))
            last = rng.choice(names.LAST)
            birth_year = rng.randint(1960, 1998)
            email = f"{_ascii(first)}.{_ascii(last)}.{n}@{DOMAIN}"
            person = existing.get(email)
            if person is None:
                person = self.add(Person(
                    email=email, name=f"{first} {last}", organisation=org, job_function=self.fn[code],
                    gender=gender, birth_year=birth_year, locale="sv", timezone="Europe/Stockholm",
                ))
            self.people_list.append(person)

        self.logins = {}
        for login in LOGINS:
            person = existing.get(login["email"])
            if person is None:
                person = self.add(Person(
                    email=login["email"], name=login["name"], gender=login["gender"],
                    organisation=self.org_by_name.get(login.get("organisation")),
                    job_function=self.fn.get(login.get("function")), birth_year=login.get("birth_year"),
                    # The demo logins speak the interface's default language; participants Swedish.
                    locale="en", password_hash=self.password_hash(),
                ))
            self.logins[login["email"].split("@")[0]] = person
            if login.get("function"):
                self.people_list.append(person)
        db.session.flush()

        # A few more trainers: teachers from different organisations.
        self.trainers = [self.logins["utbildare"]]
        seen_orgs = {self.logins["utbildare"].organisation_id}
        for person in self.people_list:
            if len(self.trainers) == 4:
                break
            if person.job_function.code == "teacher" and person.organisation_id not in seen_orgs \
                    and person not in self.logins.values():
                self.trainers.append(person)
                seen_orgs.add(person.organisation_id)

        grants = {(g.person_id, g.role, g.programme_id, g.organisation_id)
                  for g in db.session.scalars(select(RoleGrant).where(
                      RoleGrant.person_id.in_([p.id for p in [*self.logins.values(), *self.trainers]])))}

        def grant(person, role, organisation=None):
            key = (person.id, role, None, organisation.id if organisation else None)
            if key not in grants:
                grants.add(key)
                person.roles.append(self.add(RoleGrant(role=role, organisation=organisation)))

        grant(self.logins["admin"], "admin")
        grant(self.logins["koordinator"], "coordinator")
        grant(self.logins["chef.orebro"], "manager", self.org_by_name["Örebro kommun"])
        for trainer in self.trainers:
            grant(trainer, "trainer")
        self.anna = self.logins["anna.personal"]
        self.coordinator = self.logins["koordinator"]

    # --- activities and events ----------------------------------------------------
    def activity(self, kind, title, theme=None, settings=None, description="", **kw):
        act = self.activities.get(title)
        if act is None:
            plugin = registry.get(kind)
            settings = plugin.validate_settings(settings if settings is not None else plugin.default_settings())
            act = self.add(Activity(
                programme=self.prog, kind=kind, title=title, theme=theme, settings=settings,
                description=description, created_at=self.at(self.prog.starts_on, time(8, 0)) - timedelta(days=30), **kw,
            ))
            self.activities[title] = act
        return act

    def event(self, activity, title, days, meeting, capacity, place=None, online_url=None, trainers=(), plan=None):
        """Find ``title`` in ``activity`` or create it with one session per day in ``days``."""
        found = next((e for e in activity.events if e.title == title), None)
        if found is not None:
            return found
        spans = [self.span(d, meeting) for d in days]
        first_start, last_start, last_end = spans[0][0], spans[-1][0], spans[-1][1]
        if last_end <= self.now:
            status = "finalized"
            opens, closes = first_start - timedelta(days=60), first_start - timedelta(days=3)
        else:
            status = "open"
            opens = min(self.now - timedelta(days=14), first_start - timedelta(days=60))
            closes = first_start - timedelta(days=2)
            if closes <= self.now:  # a cycle under way: members may join until its last meeting
                closes = last_start
        event = Event(
            activity=activity, title=title, capacity=capacity, place=place, online_url=online_url,
            enrol_opens_at=opens, enrol_closes_at=closes, status=status,
            created_at=min(self.now, opens - timedelta(days=7)),
        )
        for start, end in spans:
            event.sessions.append(Session(starts_at=start, ends_at=end, place=place))
        event.trainers.extend(trainers)
        self.add(event)
        self.created["Session"] += len(spans)
        self.new_events.append((event, plan or {}))
        return event

    def catalogue(self):
        self.activities = {a.title: a for a in db.session.scalars(select(Activity).where(Activity.programme_id == self.prog.id))}
        rng = self.rng
        s0 = self.start_offset
        period = (self.prog.ends_on - self.prog.starts_on).days if self.prog.ends_on and self.prog.starts_on else 730
        self.new_events = []
        trainer_i = 0

        def trainers_for(i):
            nonlocal trainer_i
            trainer_i += 1
            main = self.trainers[1 + trainer_i % (len(self.trainers) - 1)] if len(self.trainers) > 1 else self.trainers[0]
            return [self.trainers[0]] if i % 3 == 0 else [main]

        everyone = {"pool": "all"}
        # Seminars: interleaved over the themes so each half of the programme has every theme.
        order = sorted(range(len(names.SEMINARS)), key=lambda i: (
            [k for k, s in enumerate(names.SEMINARS) if s[0] == names.SEMINARS[i][0]].index(i), names.SEMINARS[i][0]))
        self.seminars = []
        step = (period - 60) // len(order)
        for n, i in enumerate(order):
            theme_i, title = names.SEMINARS[i]
            offset = s0 + 30 + n * step
            settings = {}
            if offset < -7:
                settings = {"recording_url": f"https://media.{DOMAIN}/lc-komp/seminarium-{i + 1}"}
            act = self.activity("seminar", title, self.themes[theme_i], settings,
                                description="Seminarium med externa experter.")
            self.seminars.append(act)
            capacity = rng.choice([40, 60, 80, 100, 120])
            if n == 4:
                self.event(act, "Videokonferens", [self.day(offset)], "seminar", capacity,
                           online_url=f"https://meet.{DOMAIN}/lc-komp-{i + 1}", trainers=trainers_for(n), plan=everyone)
            elif n % 3 == 0:
                for k, town in enumerate(names.SEMINAR_TOWNS):
                    self.event(act, town, [self.day(offset + (0, 2, 7)[k])], "seminar", capacity, place=town,
                               trainers=trainers_for(n + k), plan=everyone)
            else:
                town = names.PLACES[n % len(names.PLACES)]
                self.event(act, town, [self.day(offset)], "seminar", capacity, place=town,
                           trainers=trainers_for(n), plan=everyone)

        # Thematic workshops: cross-boundary groups of 12-20.
        self.workshops = []
        step = (period - 60) // len(names.WORKSHOPS)
        for i, title in enumerate(names.WORKSHOPS):
            offset = s0 + 20 + i * step
            method = "future_workshop" if i % 3 == 1 or title.startswith("Framtidsverkstad") else "open"
            act = self.activity("workshop", title, self.themes[i % len(self.themes)], {"method": method},
                                description="Tvärgående grupp som arbetar med en konkret utmaning tillsammans med experter.")
            self.workshops.append(act)
            days = [self.day(offset)] + ([self.day(offset + 7)] if i % 2 else [])
            place = names.PLACES[(i + 3) % len(names.PLACES)]
            self.event(act, "Grupp 1", days, "workshop", rng.randint(12, 20), place=place,
                       trainers=trainers_for(i), plan={"pool": "cooperation", "plans": method == "future_workshop"})

        # Local development work: one workshop activity per organisation, with process support.
        self.local = []
        for i, org in enumerate(self.orgs):
            act = self.activity("workshop", f"Lokalt utvecklingsarbete – {org.name}", None, {"method": "open"},
                                description="Lokalt utvecklingsarbete med processtöd: handledning, mentorskap och expertstöd.")
            self.local.append(act)
            base = s0 + 100 + 2 * i
            days = [self.day(base), self.day(base + 90), self.day(base + 180)]
            self.event(act, "Processtöd", days, "local", 20, place=org.name,
                       trainers=trainers_for(i), plan={"pool": "organisation", "organisation": org})

        # Network groups: one cycle over the programme, meeting at the required cadence.
        self.networks = {}
        years = max(1, round(period / 365))
        for i, row in enumerate(self.data["activities"]["networks"]):
            act = self.activity("network", row["title"], None,
                                {"min_meetings": row["min_meetings"], "cadence_per_year": row["cadence_per_year"]},
                                description="Nätverksgrupp med deltagare från flera kommuner.")
            self.networks[row["title"]] = act
            meetings = max(row["cadence_per_year"] * years, row["min_meetings"])
            gap = (period - 60) // max(1, meetings - 1)
            days = [self.day(s0 + 50 + 7 * i + k * gap) for k in range(meetings)]
            self.event(act, "Nätverksträffar", days, "network", 30, place=names.PLACES[i],
                       trainers=[self.trainers[0]] if i == 0 else trainers_for(i + 1),
                       plan={"pool": ("workplace", "brokers", "cooperation")[i % 3]})

        # The 5-day track and its prerequisite (levels 1-2), in cohorts of blocks.
        track = self.data["activities"]["track"]
        pre = self.activity("track", track["prerequisite"], None, {"days": 4, "blocks": [2, 2], "min_ratio": 1.0},
                            description="Handledarutbildning steg 1 och 2 (förkunskapskrav för steg 3).")
        self.track = self.activity(
            "track", track["title"], self.themes[3],
            {"days": track["days"], "blocks": track["blocks"], "min_ratio": 1.0},
            description="Handledarutbildning steg 3: fem dagar som 2+2+1 dagar.",
        )
        if pre not in self.track.prerequisites:
            self.track.prerequisites.append(pre)
        self.pre_track = pre
        for k, offset in enumerate((s0 + 35, s0 + 115)):
            self.event(pre, f"Kohort {'AB'[k]}", self.block_days(offset, [2, 2]), "track", track["capacity"],
                       place="Örebro", trainers=[self.trainers[0]], plan={"pool": "pre_track"})
        for k, offset in enumerate((-185, -70, 75)[: track["cohorts"]]):
            self.event(self.track, f"Kohort {k + 1}", self.block_days(offset, track["blocks"]), "track",
                       track["capacity"], place=("Örebro", "Nyköping", "Uppsala")[k % 3],
                       trainers=[self.trainers[0]], plan={"pool": "track"})
        db.session.flush()

    def block_days(self, offset, blocks):
        """Consecutive weekdays within a block, two weeks between the blocks' starts."""
        start = self.today + timedelta(days=offset)
        start += timedelta(days=(7 - start.weekday()) % 7)  # a Monday
        while True:
            days = []
            for b, length in enumerate(blocks):
                days += [start + timedelta(days=14 * b + d) for d in range(length)]
            if not any(_off(d) for d in days):
                return days
            start += timedelta(days=7)

    # --- goals --------------------------------------------------------------------
    def goals(self):
        existing = {g.key: g for g in self.prog.goals}
        refs = {
            "seminars": self.seminars,
            "workshops": self.workshops,
            "local": self.local,
            "track": [self.track],
        }
        rng = random.Random(SEED + 2)
        for position, row in enumerate(self.data["goals"]):
            if row["key"] in existing:
                continue
            goal = self.add(Goal(
                key=row["key"], title=row["title"], unit=row["unit"], target=row["target"],
                basis=row.get("basis", "attended"), position=position,
            ))
            self.prog.goals.append(goal)
            goal.functions.extend(self.fn[c] for c in row.get("functions", []))
            for ref in row.get("activities", []):
                acts = [self.networks[ref.split(":", 1)[1]]] if ref.startswith("network:") else refs[ref]
                goal.activities.extend(a for a in acts if a not in goal.activities)
            if row["unit"] == "organisations":
                # About half of each organisation goal reached, with evidence.
                for org in rng.sample(self.orgs, max(1, row["target"] // 2)):
                    goal.outcomes.append(self.add(OrganisationOutcome(
                        organisation=org, recorded_by=self.coordinator,
                        recorded_at=self.now - timedelta(days=rng.randint(10, 200)),
                        evidence=f"{org.name}: redovisat i lägesrapport till styrgruppen.",
                    )))

    # --- participation ------------------------------------------------------------
    def pools(self):
        by_fn = lambda *codes: [p for p in self.people_list if p.job_function and p.job_function.code in codes]  # noqa: E731
        return {
            "all": list(self.people_list),
            "cooperation": by_fn("unit_manager", "project_leader", "broker", "business_unit", "company", "politician"),
            "workplace": by_fn("unit_manager", "broker", "project_leader", "teacher"),
            "brokers": by_fn("unit_manager", "broker", "project_leader", "counsellor", "business_unit"),
        }

    def participation(self):
        if not self.new_events:
            return
        rng = random.Random(SEED + 3)
        pools = self.pools()
        enrolled_in_activity = {}
        pre_completed = []
        marks_by_enrollment = {}
        finalized = []
        # The prerequisite cohorts first: who completes them may take the track.
        self.new_events.sort(key=lambda ep: (ep[1].get("pool") == "track", ep[0].sessions[0].starts_at))
        for event, plan in self.new_events:
            taken = enrolled_in_activity.setdefault(event.activity_id, set())
            exclude = {t.id for t in event.trainers} | taken
            past = event.status == "finalized"
            started = event.sessions[0].starts_at <= self.now
            pool_name = plan.get("pool", "all")
            if pool_name == "organisation":
                org = plan["organisation"]
                pool = [p for p in self.people_list if p.organisation_id == org.id]
                k = round(len(pool) * 0.5)
            elif pool_name == "pre_track":
                pool = [p for p in pools["workplace"] if p.id not in {q.id for q in pre_completed}]
                k = event.capacity
            elif pool_name == "track":
                pool = [p for p in pre_completed if p.id not in taken]
                k = min(event.capacity - 4, len(pool)) if past or started else min(8, len(pool))
            else:
                pool = pools[pool_name]
                if event.activity.kind == "seminar" and pool_name == "all":
                    k = rng.randint(int(event.capacity * 0.35), int(event.capacity * 0.6))
                elif event.activity.kind == "network":
                    k = rng.randint(18, 26)
                else:
                    k = rng.randint(event.capacity - 4, event.capacity)
                if not started:
                    k = round(k * rng.uniform(0.2, 0.4))  # open for enrolment: partly booked
            pool = [p for p in pool if p.id not in exclude]
            if pool_name == "cooperation" and event.activity.kind == "workshop":
                # Cross-boundary: mostly the cooperation functions, some from anywhere.
                in_pool = {p.id for p in pool}  # ids: Person.__eq__ (flask-login) is slow
                others = [p for p in pools["all"] if p.id not in exclude and p.id not in in_pool]
                chosen = rng.sample(pool, min(len(pool), round(k * 0.7)))
                chosen += rng.sample(others, min(len(others), k - len(chosen)))
            else:
                chosen = rng.sample(pool, min(len(pool), k, event.capacity))
            if self.anna.id not in exclude and all(p.id != self.anna.id for p in chosen) and len(chosen) < event.capacity and (
                    (pool_name == "organisation" and plan["organisation"].id == self.anna.organisation_id)
                    or (event.activity.kind in ("seminar", "workshop") and pool_name != "organisation"
                        and rng.random() < 0.12)):
                chosen.append(self.anna)
            chosen = chosen[: event.capacity]

            enrollments = []
            for person in chosen:
                enrollment = self.add(Enrollment(
                    event=event, person=person, status="enrolled",
                    organisation_id=person.organisation_id, job_function_id=person.job_function_id,
                    created_at=min(self.now, event.enrol_opens_at + timedelta(days=rng.randint(0, 40))),
                    created_by_id=person.id,
                ))
                enrollments.append(enrollment)
                taken.add(person.id)
            event.seats_taken = len(enrollments)
            if not started:
                continue

            marker = event.trainers[0] if event.trainers else self.coordinator
            for enrollment in enrollments:
                marks = marks_by_enrollment.setdefault(enrollment, [])
                skip_day = None
                if event.activity.kind == "track" and rng.random() < 0.12:
                    skip_day = rng.randrange(len(event.sessions))
                for d, session in enumerate(event.sessions):
                    if session.ends_at > self.now:
                        continue
                    r = rng.random()
                    if d == skip_day:
                        status = rng.choice(["absent", "excused"])
                    elif event.activity.kind == "track":
                        status = "present" if r < 0.95 else "late"
                    else:
                        status = "present" if r < 0.86 else "late" if r < 0.92 else "absent" if r < 0.98 else "excused"
                    minutes = session_minutes(session) - rng.choice([15, 20, 30]) if status == "late" else None
                    marked_at = session.ends_at + timedelta(minutes=30)
                    mark = self.add(Attendance(enrollment=enrollment, session=session, status=status, minutes=minutes,
                                               marked_by=marker, marked_at=marked_at))
                    marks.append(mark)
                    self.add(AttendanceChange(enrollment=enrollment, session=session, old_status=None, new_status=status,
                                              new_minutes=minutes, changed_by=marker, changed_at=marked_at,
                                              reason=None))
            if past:
                finalized.append((event, enrollments))
            if plan.get("plans") and past:
                for what, how, who, first_step in rng.sample(names.ACTION_PLANS, 2):
                    self.add(ActionPlan(event=event, what=what, how=how, who=who, first_step=first_step,
                                        created_by=marker, created_at=event.sessions[-1].ends_at))
            if pool_name == "pre_track" and past:
                for enrollment in enrollments:
                    attended = {m.session for m in marks_by_enrollment[enrollment] if m.status in ATTENDED}
                    if len(attended) == len(event.sessions):
                        pre_completed.append(enrollment.person)

        db.session.flush()
        with force_locale("en"):  # the kinds' reasons are translatable strings; store them in English
            for event, enrollments in finalized:
                self.finalize(event, enrollments, marks_by_enrollment)

    def finalize(self, event, enrollments, marks_by_enrollment):
        """What finalizing does: the kind's rule decides each enrollment; keep the record."""
        plugin = registry.get(event.activity.kind)
        last = event.sessions[-1]
        at = min(self.now, last.ends_at + timedelta(days=2))
        completed_on = last.starts_at.astimezone(TZ).date()
        self.add(Finalization(event=event, action="finalized", by=self.coordinator, at=at))
        for enrollment in enrollments:
            marks = marks_by_enrollment.get(enrollment, [])
            result = plugin.completion(enrollment, marks)
            minutes = minutes_of(marks)
            attended = sum(1 for m in marks if m.status in ATTENDED)
            if result.completed:
                self.add(Completion(enrollment=enrollment, completed_on=completed_on, minutes=minutes,
                                    hours=to_hours(minutes), sessions_attended=attended, created_at=at))
            else:
                self.add(NonCompletion(enrollment=enrollment, reason=result.reason or "", minutes=minutes,
                                       sessions_attended=attended, decided_at=at))

    def run(self):
        self.functions()
        self.organisations()
        self.programme()
        self.people()
        self.catalogue()
        self.goals()
        self.participation()
        db.session.flush()
        return self


def load_demo(today=None, now=None, password_hash=None):
    """Add the LC-KOMP demo programme to the session and flush; the caller commits.

    Returns a dict with ``created`` (rows added by this call, by model: empty when the
    demo was already there), ``counts`` (what the programme now holds) and ``logins``.
    """
    loader = _Loader(today=today, now=now, password_hash=password_hash).run()
    return {"created": dict(loader.created), "counts": demo_counts(loader.prog), "logins": LOGINS,
            "password": PASSWORD}


def demo_counts(programme):
    """Counts of what a programme holds (SQL aggregates)."""
    from lms.programmes.models import programme_organisation

    pid = programme.id
    acts = select(Activity.id).where(Activity.programme_id == pid)
    events = select(Event.id).where(Event.activity_id.in_(acts))
    enrols = select(Enrollment.id).where(Enrollment.event_id.in_(events))
    one = lambda q: db.session.scalar(q) or 0  # noqa: E731
    kinds = dict(db.session.execute(
        select(Activity.kind, func.count()).where(Activity.programme_id == pid).group_by(Activity.kind)).all())
    return {
        "organisations": one(select(func.count()).select_from(programme_organisation).where(
            programme_organisation.c.programme_id == pid)),
        "people": one(select(func.count()).select_from(Person).where(
            Person.job_function_id.isnot(None), Person.organisation_id.in_(
                select(programme_organisation.c.organisation_id).where(programme_organisation.c.programme_id == pid)))),
        "participants": one(select(func.count(func.distinct(Enrollment.person_id))).where(Enrollment.id.in_(enrols))),
        "themes": one(select(func.count()).select_from(Theme).where(Theme.programme_id == pid)),
        "goals": one(select(func.count()).select_from(Goal).where(Goal.programme_id == pid)),
        "activities": kinds,
        "events": one(select(func.count()).select_from(Event).where(Event.id.in_(events))),
        "sessions": one(select(func.count()).select_from(Session).where(Session.event_id.in_(events))),
        "enrollments": one(select(func.count()).select_from(Enrollment).where(Enrollment.id.in_(enrols))),
        "attendance": one(select(func.count()).select_from(Attendance).where(Attendance.enrollment_id.in_(enrols))),
        "completions": one(select(func.count()).select_from(Completion).where(Completion.enrollment_id.in_(enrols))),
    }
