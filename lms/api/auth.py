"""POST/DELETE /auth/token."""
from flask import g
from flask_babel import gettext as _

from lms.api.core import Endpoints, iso, json_body
from lms.api.errors import error_response
from lms.auth import throttle
from lms.auth.operations import authenticate, issue_token, revoke_token

endpoints = Endpoints()


@endpoints.post("/auth/token")
def create_token():
    data = json_body()
    email, password = data.get("email"), data.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        return error_response(401, "unauthenticated", _("Wrong email or password."))
    refused = throttle.refusal(email)
    if refused is not None:
        message, seconds = refused
        response = error_response(429, "rate_limited", message)
        response.headers["Retry-After"] = str(seconds)
        return response
    person = authenticate(email, password)
    if person is None:
        throttle.record_failure(email)
        return error_response(401, "unauthenticated", _("Wrong email or password."))
    plain, token = issue_token(person)
    return {"token": plain, "expires_at": iso(token.expires_at)}, 200


@endpoints.delete("/auth/token")
def delete_token():
    revoke_token(g.api_token)
    return "", 204
