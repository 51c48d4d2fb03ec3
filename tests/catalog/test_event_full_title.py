"""Events are named by their activity everywhere: "Omvärldsanalys, Örebro"."""
from datetime import datetime, timedelta, timezone


def _event(make, trained, **kw):
    activity = make.activity(kind="seminar", title="Omvärldsanalys")
    trainer, event = trained(activity=activity, place="Örebro", **kw)
    return trainer, event


def test_full_title_is_activity_then_own_title_or_place(db, make):
    activity = make.activity(title="Omvärldsanalys")
    assert make.event(activity, place="Örebro").full_title == "Omvärldsanalys, Örebro"
    assert make.event(activity, title="Vårkursen", place="Örebro").full_title == "Omvärldsanalys, Vårkursen"
    assert make.event(activity).full_title == "Omvärldsanalys"
    assert make.event(activity, title="Omvärldsanalys").full_title == "Omvärldsanalys"


def test_pages_name_the_event_by_its_activity(db, make, trained, enrol, login):
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=10)
    trainer, event = _event(make, trained, start=start)
    enrol(make.person(), event)
    db.session.commit()
    client = login(trainer)
    assert "<h1>Omvärldsanalys, Örebro</h1>" in client.get(f"/events/{event.id}").get_data(as_text=True)
    session = event.sessions[0]
    assert "Attendance: Omvärldsanalys, Örebro" in client.get(f"/sessions/{session.id}/attendance").get_data(as_text=True)
    assert "Check-in: Omvärldsanalys, Örebro" in client.get(f"/sessions/{session.id}/check-in-code").get_data(as_text=True)
    assert "Completion: Omvärldsanalys, Örebro" in client.get(f"/events/{event.id}/completion").get_data(as_text=True)
    assert "Roster: Omvärldsanalys, Örebro" in client.get(f"/events/{event.id}/roster").get_data(as_text=True)
    coordinator = make.person(role="coordinator", scope=event.activity.programme)
    page = login(coordinator).get(f"/events/{event.id}/certificates").get_data(as_text=True)
    assert "<h1>Certificates: Omvärldsanalys, Örebro</h1>" in page


def test_my_events_are_grouped_by_activity(db, make, trained, login):
    trainer, first = _event(make, trained)
    second = make.event(first.activity, title="Höstkursen")
    second.trainers.append(trainer)
    other = make.event(make.activity(title="Jämställdhet"))
    other.trainers.append(trainer)
    db.session.commit()
    page = login(trainer).get("/me/events").get_data(as_text=True)
    assert page.count("<h3>Omvärldsanalys") == 1 and page.count("<h3>Jämställdhet") == 1
    group = page.split("<h3>Omvärldsanalys", 1)[1].split("</section>", 1)[0]
    assert "Omvärldsanalys, Örebro" in group and "Omvärldsanalys, Höstkursen" in group and "Jämställdhet" not in group
