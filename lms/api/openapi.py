"""GET /api/v1/openapi.json: the contract of shared/API.md as OpenAPI 3.

Built once per process from the compact tables below, so the document stays next to
the code and a test can check that every route of the blueprint is described.
"""
from functools import lru_cache

from lms.api.core import Endpoints

endpoints = Endpoints()

CONFLICT_CODES = ["already_enrolled", "enrolment_closed", "event_cancelled", "event_finalized", "event_not_over",
                  "certificate_revoked", "own_account", "last_admin", "export_not_ready", "conflict"]
VALIDATION_CODES = ["validation_error", "not_eligible", "prerequisite_missing", "capacity_invalid",
                    "session_outside_event", "unknown_function", "unknown_organisation"]


def _obj(props, required=()):
    schema = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(required)
    return schema


S, I, B, N = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"type": "number"}
DT = {"type": "string", "format": "date-time"}
D = {"type": "string", "format": "date"}


def _nullable(schema):
    return {**schema, "nullable": True}


def _list(schema):
    return {"type": "array", "items": schema}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS = {
    "Error": _obj({"error": _obj({
        "code": S, "message": S,
        "fields": {"type": "object", "additionalProperties": _list(S)},
        "rows": _list(_obj({"row": I, "problems": _list(S)})),
    }, ["code", "message", "fields"])}, ["error"]),
    "Token": _obj({"token": S, "expires_at": DT}, ["token", "expires_at"]),
    "Organisation": _obj({"id": I, "name": S, "kind": {"type": "string", "enum": ["municipality", "federation", "agency", "school", "company", "other"]},
                          "region": _nullable(S), "parent_id": _nullable(I)}, ["name"]),
    "JobFunction": _obj({"id": I, "code": S, "name": S}, ["code", "name"]),
    "Role": _obj({"role": {"type": "string", "enum": ["admin", "coordinator", "manager", "trainer"]}, "programme_id": I, "organisation_id": I}, ["role"]),
    "Person": _obj({"id": I, "email": {"type": "string", "format": "email"}, "name": S, "organisation_id": _nullable(I),
                    "function_code": _nullable(S), "gender": {"type": "string", "enum": ["female", "male", "non_binary", "unspecified"]},
                    "birth_year": _nullable(I), "locale": {"type": "string", "enum": ["en", "sv", "da", "nb"]},
                    "password": {"type": "string", "writeOnly": True, "minLength": 8}, "active": B,
                    "roles": _list(_ref("Role"))}, ["email", "name"]),
    "ImportResult": _obj({"created": I, "updated": I}, ["created", "updated"]),
    "Target": _obj({"function_code": S, "planned": I}, ["function_code", "planned"]),
    "Programme": _obj({"id": I, "code": S, "name": S, "description": _nullable(S), "starts_on": _nullable(D), "ends_on": _nullable(D),
                       "organisation_ids": _list(I), "targets": _list(_ref("Target")), "issuer_name": _nullable(S),
                       "signer_name": _nullable(S), "signer_title": _nullable(S)}, ["code", "name"]),
    "Theme": _obj({"id": I, "name": S}, ["name"]),
    "Goal": _obj({"id": I, "title": S, "unit": {"type": "string", "enum": ["persons", "organisations"]}, "target": I,
                  "basis": {"type": "string", "enum": ["attended", "completed"]}, "function_codes": _list(S), "activity_ids": _list(I)},
                 ["title", "target"]),
    "Outcome": _obj({"id": I, "goal_id": I, "organisation_id": I, "evidence": S, "recorded_by_id": _nullable(I), "recorded_at": DT},
                    ["organisation_id", "evidence"]),
    "Activity": _obj({"id": I, "programme_id": I, "kind": S, "title": S, "description": S, "theme_id": _nullable(I),
                      "hours_per_session": _nullable(N), "requires_approval": B, "eligible_function_codes": _list(S),
                      "prerequisite_activity_ids": _list(I), "settings": {"type": "object", "description": "Validated by the kind plugin."}},
                     ["programme_id", "kind", "title"]),
    "Session": _obj({"id": I, "starts_at": DT, "ends_at": DT, "place": _nullable(S)}, ["starts_at", "ends_at"]),
    "Event": _obj({"id": I, "activity_id": I, "title": S, "capacity": I, "seats_taken": I, "place": _nullable(S), "online_url": _nullable(S),
                   "status": {"type": "string", "enum": ["draft", "open", "closed", "finalized", "cancelled"]},
                   "enrol_opens_at": _nullable(DT), "enrol_closes_at": _nullable(DT), "trainer_ids": _list(I),
                   "sessions": _list(_ref("Session"))}),
    "Enrollment": _obj({"id": I, "event_id": I, "person_id": I,
                        "status": {"type": "string", "enum": ["pending_approval", "enrolled", "waitlisted", "cancelled", "rejected"]},
                        "waitlist_position": _nullable(I), "promoted_enrollment_id": _nullable(I)}),
    "AttendanceMark": _obj({"enrollment_id": I, "status": {"type": "string", "enum": ["present", "late", "absent", "excused"]},
                            "minutes": _nullable(I), "note": _nullable(S), "person_id": {**I, "readOnly": True},
                            "session_id": {**I, "readOnly": True}, "makeup": {**B, "readOnly": True},
                            "marked_by_id": {**_nullable(I), "readOnly": True}, "marked_at": {**_nullable(DT), "readOnly": True}},
                           ["enrollment_id", "status"]),
    "SessionMarks": _obj({"session_id": I, "items": _list(_ref("AttendanceMark")), "total": I}, ["session_id", "items", "total"]),
    "FinalizeResult": _obj({"completed": _list(I), "not_completed": _list(_obj({"enrollment_id": I, "reason": S})), "certificates": _list(S)}),
    "TranscriptItem": _obj({"activity_id": _nullable(I), "kind": S, "title": S, "event_id": _nullable(I), "status": S,
                            "sessions_attended": I, "sessions_total": I, "hours": N, "completed_on": _nullable(D),
                            "certificate_code": _nullable(S)}),
    "Transcript": _obj({"person_id": I, "total_hours": N, "items": _list(_ref("TranscriptItem"))}),
    "Certificate": _obj({"code": S, "person_id": I, "activity_id": I, "event_id": I, "issued_at": DT, "locale": S, "sha256": S,
                         "revoked_at": _nullable(DT), "replaced_by": _nullable(S), "pdf_url": S}),
    "Verification": _obj({"valid": B, "holder_name": S, "activity_title": S, "issued_on": D, "revoked": B, "sha256": S,
                          "replaced_by": _nullable(S)}),
    "PriorCompletion": _obj({"id": I, "person_id": I, "activity_id": _nullable(I), "title": S, "completed_on": D,
                             "hours": _nullable(N), "evidence": S, "recorded_by": _nullable(I), "recorded_at": DT},
                            ["completed_on", "evidence"]),
    "Cadence": _obj({"activity_id": I, "event_id": I, "title": S, "required_per_year": I,
                     "meetings_last_12_months": I, "short": B}),
    "GoalProgress": _obj({"goal_id": I, "title": S, "unit": S, "target": I, "achieved": I, "ratio": _nullable(N),
                          "by_function": {"type": "object", "additionalProperties": I},
                          "by_organisation": {"type": "object", "additionalProperties": I},
                          "by_gender": {"type": "object", "additionalProperties": I}}),
    "ExportRequest": _obj({"table": {"type": "string", "enum": ["participation", "goals"]},
                           "format": {"type": "string", "enum": ["csv", "xlsx"]},
                           "delimiter": {"type": "string", "enum": ["semicolon", "comma"], "default": "semicolon"}},
                          ["table", "format"]),
    "ExportStarted": _obj({"job_id": I, "status_url": S}, ["job_id", "status_url"]),
    "ExportJob": _obj({"job_id": I, "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
                       "table": {"type": "string", "enum": ["participation", "goals", "certificates"]},
                       "format": {"type": "string", "enum": ["csv", "xlsx", "zip"]}, "rows_done": I, "rows_total": I,
                       "status_url": S, "download_url": _nullable(S), "error": _nullable(S)},
                      ["job_id", "status", "rows_done", "rows_total", "download_url"]),
    "Progress": _obj({"goals": _list(_ref("GoalProgress")), "targets": _list(_obj({"function_code": S, "planned": I, "actual": I})),
                      "cadence": _list(_ref("Cadence"))}),
}

ERRORS = {
    "400": ("bad_request", "Malformed JSON or body."),
    "401": ("unauthenticated", "Missing, expired or revoked bearer token."),
    "403": ("forbidden", "The access policy refuses this call."),
    "404": ("not_found", "No such resource."),
    "409": ("conflict", "Conflict codes: " + ", ".join(CONFLICT_CODES)),
    "405": ("method_not_allowed", "The path takes other methods (listed in the Allow header)."),
    "413": ("too_large", "The body is too large."),
    "414": ("uri_too_long", "The address (path and query) is too long."),
    "422": ("validation_error", "Validation codes: " + ", ".join(VALIDATION_CODES) + ". Problems per field in error.fields."),
    "429": ("rate_limited", "Too many requests (failed sign-ins per account or address; public verify calls "
                            "per address). On sign-in, the Retry-After header gives the seconds to wait."),
}
# Calls that are rate limited (429 rate_limited).
RATE_LIMITED = {("post", "/auth/token"), ("get", "/verify/{code}")}

# (method, path, summary, request schema or None, success status, response schema, list?, public?)
OPERATIONS = [
    ("post", "/auth/token", "Get a bearer token (failed attempts are limited per account and per address: 429)", _obj({"email": S, "password": S}, ["email", "password"]), "200", "Token", False, True),
    ("delete", "/auth/token", "Revoke the caller's token", None, "204", None, False, False),
    ("get", "/organisations", "List organisations (any signed-in; ?q=, ?kind=)", None, "200", "Organisation", True, False),
    ("post", "/organisations", "Create an organisation (admin)", "Organisation", "201", "Organisation", False, False),
    ("get", "/organisations/{id}", "One organisation", None, "200", "Organisation", False, False),
    ("patch", "/organisations/{id}", "Update an organisation (admin)", "Organisation", "200", "Organisation", False, False),
    ("get", "/functions", "List job functions", None, "200", "JobFunction", True, False),
    ("post", "/functions", "Create a job function (admin)", "JobFunction", "201", "JobFunction", False, False),
    ("get", "/people", "List people (admin, coordinators; managers: their organisations; ?q=, ?organisation_id=, ?function_code=)", None, "200", "Person", True, False),
    ("post", "/people", "Create a person (admin)", "Person", "201", "Person", False, False),
    ("get", "/people/me", "The caller", None, "200", "Person", False, False),
    ("get", "/people/{id}", "One person", None, "200", "Person", False, False),
    ("patch", "/people/{id}", "Update a person (admin). A new password, deactivation or a removed role ends the person's other sessions and revokes their tokens; 409 own_account/last_admin: nobody deactivates or demotes themself or the last active admin", "Person", "200", "Person", False, False),
    ("post", "/people/import", "Import people from CSV (admin); all rows or none", "csv", "200", "ImportResult", False, False),
    ("get", "/programmes", "List programmes", None, "200", "Programme", True, False),
    ("post", "/programmes", "Create a programme (admin/coordinator)", "Programme", "201", "Programme", False, False),
    ("get", "/programmes/{id}", "One programme", None, "200", "Programme", False, False),
    ("patch", "/programmes/{id}", "Update a programme", "Programme", "200", "Programme", False, False),
    ("get", "/programmes/{id}/themes", "Themes of a programme", None, "200", "Theme", True, False),
    ("post", "/programmes/{id}/themes", "Add a theme", "Theme", "201", "Theme", False, False),
    ("get", "/programmes/{id}/goals", "Goals of a programme", None, "200", "Goal", True, False),
    ("post", "/programmes/{id}/goals", "Add a goal", "Goal", "201", "Goal", False, False),
    ("get", "/goals/{id}", "One goal", None, "200", "Goal", False, False),
    ("patch", "/goals/{id}", "Update a goal", "Goal", "200", "Goal", False, False),
    ("get", "/goals/{id}/outcomes", "Outcomes of an organisation goal (managers: their organisations')", None, "200", "Outcome", True, False),
    ("post", "/goals/{id}/outcomes", "Record an outcome (admin/coordinator, manager of that organisation)", "Outcome", "201", "Outcome", False, False),
    ("get", "/activities", "List activities (?programme_id=, ?kind=, ?theme_id=, ?q=)", None, "200", "Activity", True, False),
    ("post", "/activities", "Create an activity (admin/coordinator)", "Activity", "201", "Activity", False, False),
    ("get", "/activities/{id}", "One activity", None, "200", "Activity", False, False),
    ("patch", "/activities/{id}", "Update an activity", "Activity", "200", "Activity", False, False),
    ("get", "/activities/{id}/events", "Events of an activity", None, "200", "Event", True, False),
    ("post", "/activities/{id}/events", "Create an event, sessions inline", "Event", "201", "Event", False, False),
    ("get", "/events/{id}", "One event with its sessions", None, "200", "Event", False, False),
    ("patch", "/events/{id}", "Update an event (sessions given replace the event's)", "Event", "200", "Event", False, False),
    ("post", "/events/{id}/enrollments", "Enrol: no body = self; {person_id} for coordinators and managers", _obj({"person_id": I}), "201", "Enrollment", False, False),
    ("get", "/events/{id}/enrollments", "Enrollments of an event (trainers, coordinators; managers: their organisations')", None, "200", "Enrollment", True, False),
    ("get", "/enrollments/{id}", "One enrollment", None, "200", "Enrollment", False, False),
    ("post", "/enrollments/{id}/cancel", "Cancel; answers promoted_enrollment_id when a seat went to the waiting list", None, "200", "Enrollment", False, False),
    ("post", "/enrollments/{id}/approve", "Approve (manager of the person's organisation, admin)", None, "200", "Enrollment", False, False),
    ("post", "/enrollments/{id}/reject", "Reject with a reason", _obj({"reason": S}), "200", "Enrollment", False, False),
    ("post", "/enrollments/{id}/move", "Move to another event of the same activity (coordinator)", _obj({"event_id": I}, ["event_id"]), "200", "Enrollment", False, False),
    ("get", "/sessions/{id}/attendance", "Marks of a session", None, "200", "SessionMarks", False, False),
    ("put", "/sessions/{id}/attendance", "Set marks (409 event_finalized after finalize); answers the session's marks", _list(_ref("AttendanceMark")), "200", "SessionMarks", False, False),
    ("post", "/events/{id}/finalize", "Decide completions by the kind's rule and issue certificates", None, "200", "FinalizeResult", False, False),
    ("post", "/events/{id}/reopen", "Reopen a finalized event (coordinator; reason required)", _obj({"reason": S}, ["reason"]), "200", "Event", False, False),
    ("get", "/people/{id}/transcript", "A person's transcript", None, "200", "Transcript", False, False),
    ("get", "/certificates", "Certificates (?person_id=)", None, "200", "Certificate", True, False),
    ("get", "/certificates/{code}", "One certificate", None, "200", "Certificate", False, False),
    ("get", "/certificates/{code}.pdf", "The certificate's PDF (the stored bytes)", None, "200", "pdf", False, False),
    ("post", "/certificates/{code}/revoke", "Revoke with a reason (admin/coordinator)", _obj({"reason": S}, ["reason"]), "200", "Certificate", False, False),
    ("post", "/certificates/{code}/reissue", "Revoke and issue a new certificate from the current data (admin/coordinator)",
     _obj({"reason": S}, ["reason"]), "201", "Certificate", False, False),
    ("get", "/verify/{code}", "Public verification of a certificate code", None, "200", "Verification", False, True),
    ("get", "/programmes/{id}/progress", "Progress against the programme's goals (?from=&to=&organisation_id=&kind=&theme_id=)",
     None, "200", "Progress", False, False),
    ("get", "/people/{id}/prior-completions", "A person's prior completions (coordinators; also self and managers)", None, "200",
     "PriorCompletion", True, False),
    ("post", "/people/{id}/prior-completions", "Record a completion done elsewhere (coordinator of the person's programme)",
     "PriorCompletion", "201", "PriorCompletion", False, False),
    ("get", "/programmes/{id}/report.csv", "Per-person participation rows as CSV", None, "200", "csv", False, False),
    ("get", "/programmes/{id}/report.xlsx", "Per-person participation rows as XLSX", None, "200", "xlsx", False, False),
    ("get", "/programmes/{id}/goals.csv", "The goal table as CSV", None, "200", "csv", False, False),
    ("get", "/programmes/{id}/goals.xlsx", "The goal table as XLSX", None, "200", "xlsx", False, False),
    ("post", "/programmes/{id}/exports", "Start an export in the background (same access as report.csv): 202 with the job's status_url",
     "ExportRequest", "202", "ExportStarted", False, False),
    ("get", "/exports/{id}", "An export job's state (its creator only): download_url once done", None, "200", "ExportJob", False, False),
    ("get", "/exports/{id}/download", "A finished export job's file (409 export_not_ready while it runs; 404 once removed)",
     None, "200", "file", False, False),
    ("get", "/openapi.json", "This document", None, "200", None, False, True),
]


# Query filters an operation reads, besides page/per_page (so clients and fuzzers see them).
QUERY = {
    ("get", "/organisations"): {"q": S, "kind": S},
    ("get", "/people"): {"q": S, "organisation_id": I, "function_code": S, "role": S},
    ("get", "/activities"): {"programme_id": I, "kind": S, "theme_id": I, "q": S},
    ("get", "/events/{id}/enrollments"): {"status": S},
    ("get", "/certificates"): {"person_id": I},
    ("get", "/programmes/{id}/report.csv"): {"delimiter": {"type": "string", "enum": ["semicolon", "comma"]}},
    ("get", "/programmes/{id}/goals.csv"): {"delimiter": {"type": "string", "enum": ["semicolon", "comma"]}},
    ("get", "/programmes/{id}/progress"): {"from": D, "to": D, "organisation_id": I, "kind": S, "theme_id": I},
}


def _response(status, schema, listed):
    if schema is None:
        return {"description": "OK" if status != "204" else "No content"}
    media = {"csv": ("text/csv", {"type": "string"}), "pdf": ("application/pdf", {"type": "string", "format": "binary"}),
             "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {"type": "string", "format": "binary"}),
             "file": ("application/octet-stream", {"type": "string", "format": "binary",
                                                   "description": "text/csv, the XLSX type or application/zip"})}
    if schema in media:
        mime, body = media[schema]
        return {"description": "OK", "content": {mime: {"schema": body}}}
    body = _ref(schema)
    if listed == "plain":
        body = _list(body)
    elif listed:
        body = _obj({"items": _list(body), "total": I, "page": I, "per_page": I}, ["items", "total"])
    return {"description": "OK", "content": {"application/json": {"schema": body}}}


@lru_cache(maxsize=1)
def build():
    paths = {}
    for method, path, summary, request_schema, status, response_schema, listed, public in OPERATIONS:
        op = {"summary": summary, "operationId": f"{method}_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '').replace('.', '_')}",
              "responses": {status: _response(status, response_schema, listed)}}
        params = [{"name": name, "in": "path", "required": True, "schema": S if name == "code" else I}
                  for name in ("id", "code") if "{" + name + "}" in path]
        if listed is True:
            params += [{"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}]
        params += [{"name": name, "in": "query", "schema": schema} for name, schema in QUERY.get((method, path), {}).items()]
        if params:
            op["parameters"] = params
        if request_schema == "csv":
            op["requestBody"] = {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
        elif request_schema is not None:
            body = _ref(request_schema) if isinstance(request_schema, str) else request_schema
            op["requestBody"] = {"required": method in ("post", "put"), "content": {"application/json": {"schema": body}}}
        for code in ("400", "401", "403", "404", "409", "413", "414", "422", "429"):
            # Public operations answer no 401/403 (but a wrong password is a 401).
            if public and code == "403" or public and code == "401" and path != "/auth/token":
                continue
            if code == "413" and "requestBody" not in op:
                continue
            op["responses"].setdefault(code, {"$ref": f"#/components/responses/{ERRORS[code][0]}"})
        if (method, path) in RATE_LIMITED:
            op["responses"]["429"] = {"$ref": "#/components/responses/rate_limited"}
        if public:
            op["security"] = []
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.0.3",
        "info": {"title": "Brobygger API", "version": "1",
                 "description": "JSON API of Brobygger. Times are ISO 8601 with offset; dates YYYY-MM-DD. "
                                "Errors: {\"error\": {\"code\", \"message\", \"fields\"}}."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
            "parameters": {
                "page": {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
                "per_page": {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
            },
            "responses": {code: {"description": text, "content": {"application/json": {"schema": _ref("Error")}}}
                          for code, text in ERRORS.values()},
        },
    }


@endpoints.get("/openapi.json")
def openapi():
    return build()
