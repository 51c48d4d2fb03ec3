def test_probe(api, make, app):
    app.config["CATCH_ALL_ERRORS"] = True
    admin = make.person(role="admin")
    c = api(admin)
    p = make.programme()
    for url, body in [("/api/v1/programmes", {"code": "Z", "name": "Z", "organisation_ids": [10**30]}),
                      (f"/api/v1/programmes/{p.id}/goals", {"title": "t", "target": 1, "activity_ids": [10**30]}),
                      ("/api/v1/programmes", {"code": "Z2", "name": "Z", "starts_on": "20260101"}),
                      ("/api/v1/programmes", {"code": "Z3", "name": "Z", "targets": [{"function_code": "x", "planned": 10**30}]}),
                      ]:
        r = c.post(url, json=body)
        print(url, r.status_code, r.get_json())
    r = c.get("/api/v1/programmes/" + str(10**30))
    print(r.status_code, r.get_json())
    org = make.organisation(); other = make.organisation()
    from lms.programmes.operations import save_goal
    goal = save_goal(p, {"title": "O1", "unit": "organisations", "target": 11})
    m = make.person(role="manager", organisation=org)
    r = api(m).post(f"/api/v1/goals/{goal.id}/outcomes", json={"organisation_id": str(other.id), "evidence": "x"})
    print("bypass", r.status_code, r.get_json())
    app.config["CATCH_ALL_ERRORS"] = False
    assert 0
