def test_activity_api_contract(api, make):
    coord = make.person(role="coordinator")
    programme = make.programme()
    make.function("teacher_c")
    c = api(coord)
    r = c.post("/api/v1/activities", json={
        "programme_id": programme.id, "kind": "track", "title": "Handledare steg 3",
        "eligible_function_codes": ["teacher_c"], "settings": {"days": 5, "blocks": [2, 2, 1], "min_ratio": 1}})
    assert r.status_code == 201, r.get_json()
    a = r.get_json()
    assert {k: a[k] for k in ("kind", "title", "eligible_function_codes", "prerequisite_activity_ids", "settings")} == {
        "kind": "track", "title": "Handledare steg 3", "eligible_function_codes": ["teacher_c"],
        "prerequisite_activity_ids": [], "settings": {"days": 5, "blocks": [2, 2, 1], "min_ratio": 1.0}}
    r = c.patch(f"/api/v1/activities/{a['id']}", json={"settings": {"days": 5, "blocks": [2, 2]}})
    assert r.status_code == 422 and "settings.blocks" in r.get_json()["error"]["fields"]
    r = c.patch(f"/api/v1/activities/{a['id']}", json={"eligible_function_codes": ["ghost"]})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "unknown_function"
    r = c.patch(f"/api/v1/activities/{a['id']}", json={"prerequisite_activity_ids": [a["id"]]})
    assert r.status_code == 422
    r = c.post("/api/v1/activities", json={"programme_id": programme.id, "kind": "juggling", "title": "X"})
    assert r.status_code == 422 and "kind" in r.get_json()["error"]["fields"]
    assert api(make.person()).post("/api/v1/activities", json={"programme_id": programme.id, "kind": "seminar", "title": "X"}).status_code == 403


def test_event_api_contract(api, make):
    coord = make.person(role="coordinator")
    trainer = make.person(role="trainer")
    activity = make.activity(kind="seminar")
    c = api(coord)
    body = {"title": "Örebro", "capacity": 40, "place": "Örebro", "trainer_ids": [trainer.id],
            "enrol_opens_at": "2026-01-01T08:00:00+01:00", "enrol_closes_at": "2026-02-01T08:00:00+01:00",
            "sessions": [{"starts_at": "2026-02-10T09:00:00+01:00", "ends_at": "2026-02-10T12:00:00+01:00", "place": "Aula"}]}
    r = c.post(f"/api/v1/activities/{activity.id}/events", json=body)
    assert r.status_code == 201, r.get_json()
    e = r.get_json()
    assert e["capacity"] == 40 and e["trainer_ids"] == [trainer.id] and e["status"] == "open"
    assert e["sessions"][0]["starts_at"] == "2026-02-10T08:00:00+00:00"
    assert set(e) >= {"id", "activity_id", "title", "capacity", "place", "online_url", "status", "enrol_opens_at",
                      "enrol_closes_at", "trainer_ids", "sessions"}
    r = c.patch(f"/api/v1/events/{e['id']}", json={"capacity": -1})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "capacity_invalid"
    r = c.patch(f"/api/v1/events/{e['id']}", json={"sessions": [{"starts_at": "2026-02-10T09:00:00", "ends_at": "2026-02-10T12:00:00"}]})
    assert r.status_code == 422
    r = c.patch(f"/api/v1/events/{e['id']}", json={"sessions": [{"starts_at": "2026-02-10T12:00:00Z", "ends_at": "2026-02-10T09:00:00Z"}]})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "session_outside_event"
    r = c.patch(f"/api/v1/events/{e['id']}", json={"status": "cancelled"})
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    assert c.get(f"/api/v1/activities/{activity.id}/events").get_json()["total"] == 1
    staff = api(make.person())
    assert staff.get(f"/api/v1/activities/{activity.id}/events").get_json()["total"] == 1
    r = c.patch(f"/api/v1/events/{e['id']}", json={"status": "draft"})
    assert staff.get(f"/api/v1/activities/{activity.id}/events").get_json()["total"] == 0
    assert staff.get(f"/api/v1/events/{e['id']}").status_code == 404
    assert staff.patch(f"/api/v1/events/{e['id']}", json={"capacity": 3}).status_code == 403


def test_no_500_on_odd_input(api, make):
    c = api(make.person(role="admin"))
    activity = make.activity()
    for body in ({"capacity": "many"}, {"capacity": True}, {"sessions": "x"}, {"sessions": [1]}, {"trainer_ids": ["a"]},
                 {"enrol_opens_at": 5}, {"status": None, "title": ["x"]}):
        r = c.post(f"/api/v1/activities/{activity.id}/events", json=body)
        assert r.status_code == 422, (body, r.get_json())
    for body in ({"settings": []}, {"title": 5}, {"theme_id": "x"}, {"hours_per_session": "lots"}):
        r = c.patch(f"/api/v1/activities/{activity.id}", json=body)
        assert r.status_code == 422, body


def test_coordinator_of_other_programme_cannot_write(api, make):
    mine, other = make.programme(), make.programme()
    coord = make.person(role="coordinator", scope=mine)
    c = api(coord)
    assert c.post("/api/v1/activities", json={"programme_id": mine.id, "kind": "seminar", "title": "OK"}).status_code == 201
    assert c.post("/api/v1/activities", json={"programme_id": other.id, "kind": "seminar", "title": "No"}).status_code == 403
