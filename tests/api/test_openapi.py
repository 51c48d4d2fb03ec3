import re

from lms.api.openapi import OPERATIONS


def test_document_is_public_and_complete(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["openapi"].startswith("3.")
    for code in ("bad_request", "unauthenticated", "forbidden", "not_found", "conflict", "validation_error"):
        assert code in doc["components"]["responses"]
    assert "/events/{id}/enrollments" in doc["paths"] and "post" in doc["paths"]["/events/{id}/enrollments"]
    assert doc["paths"]["/verify/{code}"]["get"]["security"] == []


def test_refs_resolve(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    text = str(doc)
    for ref in set(re.findall(r"#/components/(\w+)/(\w+)", text)):
        assert ref[1] in doc["components"][ref[0]], ref


def test_every_api_route_is_documented(app):
    documented = {(m.upper(), p) for m, p, *_ in OPERATIONS}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + ("id" if m.group(1).endswith("_id") or m.group(1) == "id" else m.group(1)) + "}", rule.rule[len("/api/v1"):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, path) not in documented:
                missing.append(f"{method} {path}")
    assert not missing, f"undocumented API routes: {missing}"


def test_huge_ids_are_404_not_500(api, make, client):
    c = api(make.person(role="admin"))
    for url in ("/api/v1/programmes/1000000000000000000000000000000", "/api/v1/people/99999999999999999999999"):
        assert c.get(url).status_code == 404
    assert client.get("/activities/1000000000000000000000000000").status_code == 404


def _schema_errors(doc, name, instance):
    """Problems of ``instance`` against components.schemas[name] (nullable honoured)."""
    import pytest

    jsonschema_rs = pytest.importorskip("jsonschema_rs")  # comes with schemathesis (test extras)

    def convert(node):
        if isinstance(node, dict):
            node = {k: convert(v) for k, v in node.items() if k not in ("readOnly", "writeOnly", "format")}
            if node.pop("nullable", False):
                node = {"anyOf": [node, {"type": "null"}]}
            if "$ref" in node:
                node = {"$ref": "#/definitions/" + node["$ref"].rsplit("/", 1)[1]}
            return node
        if isinstance(node, list):
            return [convert(v) for v in node]
        return node

    definitions = convert(doc["components"]["schemas"])
    validator = jsonschema_rs.Draft7Validator({"$ref": f"#/definitions/{name}", "definitions": definitions})
    return [str(e) for e in validator.iter_errors(instance)]


def test_attendance_answer_matches_the_document(api, make, trained, enrol, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    trainer, event = trained(sessions=1)
    enrollment = enrol(make.person(), event)
    c = api(trainer)
    session_id = event.sessions[0].id
    put = c.put(f"/api/v1/sessions/{session_id}/attendance", json=[{"enrollment_id": enrollment.id, "status": "present"}])
    get = c.get(f"/api/v1/sessions/{session_id}/attendance")
    assert put.status_code == get.status_code == 200
    for path, method, answer in (("/sessions/{id}/attendance", "put", put), ("/sessions/{id}/attendance", "get", get)):
        schema = doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/SessionMarks"}
        assert _schema_errors(doc, "SessionMarks", answer.get_json()) == []


def test_progress_ratio_may_be_null(api, make, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    programme = make.programme()
    c = api(make.person(role="admin"))
    assert c.post(f"/api/v1/programmes/{programme.id}/goals", json={"title": "Zero", "target": 0}).status_code == 201
    answer = c.get(f"/api/v1/programmes/{programme.id}/progress").get_json()
    assert answer["goals"][0]["ratio"] is None
    assert _schema_errors(doc, "Progress", answer) == []


def test_401_413_414_and_429_are_declared(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    paths = doc["paths"]
    assert "401" in paths["/auth/token"]["post"]["responses"]
    assert "401" not in paths["/verify/{code}"]["get"]["responses"]
    assert "429" in paths["/verify/{code}"]["get"]["responses"]
    assert "413" in paths["/people/import"]["post"]["responses"]
    for methods in paths.values():
        for op in methods.values():
            assert "414" in op["responses"] and "429" in op["responses"]


def test_405_answers_json_with_allow_under_api_and_allow_in_html(api, make, client):
    r = api(make.person(role="admin")).delete("/api/v1/programmes")
    assert r.status_code == 405
    assert r.get_json()["error"]["code"] == "method_not_allowed"
    assert {"GET", "POST"} <= {m.strip() for m in r.headers["Allow"].split(",")}
    r = client.delete("/admin/organisations/new")
    assert r.status_code == 405 and "POST" in r.headers["Allow"]


def test_huge_id_with_another_method_of_the_path_is_404_not_405(api, make):
    c = api(make.person(role="admin"))
    for ident in (2**31, 6227020801, 10**30):
        r = c.patch(f"/api/v1/activities/{ident}", json={"title": "x"})
        assert r.status_code == 404, (ident, r.status_code)
        r = c.post(f"/api/v1/activities/{ident}/events", json={})
        assert r.status_code == 404


def test_too_long_address_is_414_json_under_api(api, make, client):
    r = api(make.person(role="admin")).get("/api/v1/people?q=" + "a" * 9000)
    assert r.status_code == 414
    assert r.is_json and r.get_json()["error"]["code"] == "uri_too_long"
    r = client.get("/activities?q=" + "a" * 9000)
    assert r.status_code == 414 and not r.is_json


def test_too_large_body_is_413_json_under_api(app, api, make, monkeypatch):
    c = api(make.person(role="admin"))
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    r = c.post("/api/v1/organisations", json={"name": "x" * 2000, "kind": "municipality"})
    assert r.status_code == 413
    assert r.is_json and r.get_json()["error"]["code"] == "too_large"
