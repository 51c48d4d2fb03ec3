"""bench/progress.py's baseline: hand-written SQL that must give every figure of the
progress API's answer, on `demo scale` data with a linked, function-limited goal and
organisation outcomes; and its checker, which must see a single changed figure."""
import copy
import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.programmes.models import Programme

_spec = importlib.util.spec_from_file_location("bench_progress", Path(__file__).resolve().parents[2] / "bench" / "progress.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


@pytest.fixture
def scale(db, make):
    from demo.scale import scale_data

    scale_data(200, seed=5)
    programme = db.session.scalar(select(Programme).where(Programme.code == "SCALE-200"))
    bench.enrich(programme.id)
    # At this size each kind has one activity, all of the first theme: alternate two themes.
    from lms.catalog.models import Activity

    for k, activity in enumerate(db.session.scalars(select(Activity).where(Activity.programme_id == programme.id)
                                                    .order_by(Activity.id))):
        activity.theme_id = programme.themes[k % 2].id
    db.session.flush()
    coordinator = make.person(role="coordinator", timezone=bench.TZ)
    return programme, coordinator


def _answer(api, person, programme, args):
    response = api(person).get(f"/api/v1/programmes/{programme.id}/progress", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _args(case, programme, db):
    from sqlalchemy import func

    from lms.enrollment.models import Enrollment

    theme_id = programme.themes[1].id
    organisation_id = db.session.scalar(select(Enrollment.organisation_id).group_by(Enrollment.organisation_id)
                                        .order_by(func.count().desc(), Enrollment.organisation_id).limit(1))
    return {
        "unfiltered": {},
        "bench filtered (period, kind)": bench.cases()["filtered"],
        "period only": {"from": bench.cases()["filtered"]["from"]},
        "organisation and theme": {"organisation_id": organisation_id, "theme_id": theme_id},
        "organisation, period and kind": {"organisation_id": organisation_id, "kind": "seminar",
                                          "to": bench.cases()["filtered"]["to"]},
    }[case]


@pytest.mark.parametrize("case", ["unfiltered", "bench filtered (period, kind)", "period only",
                                  "organisation and theme", "organisation, period and kind"])
def test_baseline_gives_every_figure_of_the_answer(db, api, scale, case):
    programme, coordinator = scale
    args = _args(case, programme, db)
    answer = _answer(api, coordinator, programme, args)

    found = bench.check(db.session.connection(), programme.id, answer, args)

    assert found == {"exists": [], "group_by": []}
    # The comparison covered real figures: persons counted, a breakdown, the cadence rows.
    persons = [g for g in answer["goals"] if g["unit"] == "persons"]
    assert len(persons) == 3 and any(g["achieved"] > 0 for g in persons)
    assert answer["targets"] and (answer["cadence"] or args.get("kind") == "seminar")
    if case == "unfiltered":
        linked = next(g for g in persons if g["title"].startswith("Two functions"))
        assert 0 < linked["achieved"] < persons[0]["achieved"] and len(linked["by_function"]) == 2
        organisations = next(g for g in answer["goals"] if g["unit"] == "organisations")
        assert organisations["achieved"] == len(programme.organisations[::3]) > 0


def _goal(doc, unit="persons", index=0):
    return [g for g in doc["goals"] if g["unit"] == unit][index]


PERTURBATIONS = {
    "a gender count": lambda d: (_goal(d)["by_gender"], "female", f"goals[{_goal(d)['goal_id']}].by_gender[female]"),
    "a total": lambda d: (_goal(d, index=1), "achieved", f"goals[{_goal(d, index=1)['goal_id']}].achieved"),
    "a function count of the linked goal": lambda d: (
        _goal(d, index=2)["by_function"], min(_goal(d, index=2)["by_function"]),
        f"goals[{_goal(d, index=2)['goal_id']}].by_function[{min(_goal(d, index=2)['by_function'])}]"),
    "an organisation count": lambda d: (
        _goal(d)["by_organisation"], min(_goal(d)["by_organisation"]),
        f"goals[{_goal(d)['goal_id']}].by_organisation[{min(_goal(d)['by_organisation'])}]"),
    "an organisation goal": lambda d: (_goal(d, "organisations"), "achieved",
                                       f"goals[{_goal(d, 'organisations')['goal_id']}].achieved"),
    "a target's actual": lambda d: (d["targets"][0], "actual", f"targets[{d['targets'][0]['function_code']}].actual"),
    "a cadence count": lambda d: (d["cadence"][0], "meetings_last_12_months",
                                  f"cadence[{d['cadence'][0]['event_id']}].meetings_last_12_months"),
}


@pytest.mark.parametrize("what", list(PERTURBATIONS))
def test_checker_sees_one_changed_figure(db, api, scale, what):
    programme, coordinator = scale
    answer = _answer(api, coordinator, programme, {})
    changed = copy.deepcopy(answer)
    holder, key, path = PERTURBATIONS[what](changed)
    holder[key] += 1

    found = bench.check(db.session.connection(), programme.id, changed, {})

    line = f"{path}: answer {holder[key]!r}, baseline {holder[key] - 1!r}"
    assert found == {"exists": [line], "group_by": [line]}


def test_checker_sees_a_missing_breakdown_key_and_a_reordered_list(db, api, scale):
    programme, coordinator = scale
    answer = _answer(api, coordinator, programme, {})
    changed = copy.deepcopy(answer)
    goal = _goal(changed)
    dropped = min(goal["by_gender"])
    del goal["by_gender"][dropped]
    changed["targets"].reverse()

    found = bench.check(db.session.connection(), programme.id, changed, {})["exists"]

    prefix = f"goals[{goal['goal_id']}].by_gender"
    assert [line.split(":")[0] for line in found] == [f"{prefix} keys", f"{prefix}[{dropped}]", "targets order"]
