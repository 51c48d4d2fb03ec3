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
