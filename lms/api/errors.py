"""The API's one error format: {"error": {"code", "message", "fields"}}."""
from flask import jsonify
from flask_babel import gettext as _

DEFAULT_MESSAGES = {
    400: lambda: _("The request could not be read."),
    401: lambda: _("Sign in first: send a valid bearer token."),
    403: lambda: _("You are not allowed to do this."),
    404: lambda: _("Not found."),
    405: lambda: _("This method is not allowed here."),
    409: lambda: _("This conflicts with the current state."),
    413: lambda: _("The request is too large."),
    414: lambda: _("The address is too long."),
    415: lambda: _("Unsupported content type."),
    422: lambda: _("Some values are not valid."),
    429: lambda: _("Too many requests. Try again later."),
}
CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 414: "uri_too_long", 415: "unsupported_media_type", 422: "validation_error", 429: "rate_limited"}


def error_response(status, code=None, message=None, fields=None, **extra):
    code = code or CODES.get(status, "error")
    if message is None:
        message = DEFAULT_MESSAGES.get(status, lambda: _("Error."))()
    body = {"error": {"code": code, "message": str(message), "fields": {k: [str(p) for p in v] for k, v in (fields or {}).items()}}}
    body["error"].update(extra)
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def domain_error_response(error):
    extra = {k: v for k, v in (error.extra or {}).items()}
    return error_response(error.status, error.code, error.message, error.fields, **extra)


def http_error_response(error):
    response = error_response(error.code or 500)
    for key, value in error.get_headers():
        if key.lower() != "content-type":  # 405 keeps its Allow header
            response.headers[key] = value
    return response
