"""Certificate endpoints of the JSON API (API.md): list, show, PDF, revoke, public verify."""
from flask import request
from flask_babel import gettext as _

from certificates import operations
from certificates.ratelimit import hit
from lms.api.core import Endpoints, json_body, paginated, require, user
from lms.downloads import pdf_response
from lms.errors import NotFound, ValidationError

endpoints = Endpoints()


def _certificate(code):
    certificate = operations.find(code)
    if certificate is None:
        raise NotFound(_("No certificate has this code."))
    return certificate


@endpoints.get("/certificates")
def certificates():
    require("certificate.mine")
    person_id = request.args.get("person_id")
    if person_id is not None:
        try:
            person_id = int(person_id)
        except ValueError:
            raise ValidationError(_("Some values are not valid."), fields={"person_id": [_("Must be a whole number.")]}) from None
    return paginated(operations.visible(user(), person_id=person_id), operations.as_json)


@endpoints.get("/certificates/<code>.pdf")
def certificate_pdf(code):
    certificate = _certificate(code)
    require("certificate.download", certificate)
    data = operations.pdf_for_download(certificate)
    return pdf_response(data, operations.filename(certificate), etag=certificate.sha256)


@endpoints.get("/certificates/<code>")
def certificate(code):
    certificate = _certificate(code)
    require("certificate.view", certificate)
    return operations.as_json(certificate)


@endpoints.post("/certificates/<code>/revoke")
def revoke_certificate(code):
    certificate = _certificate(code)
    require("certificate.revoke", certificate)
    data = json_body()
    operations.revoke(certificate, by=user(), reason=data.get("reason"))
    return operations.as_json(certificate), 200


@endpoints.post("/certificates/<code>/reissue")
def reissue_certificate(code):
    """Revoke the certificate and issue a new one from the current data (201, the new one)."""
    certificate = _certificate(code)
    require("certificate.reissue", certificate)
    data = json_body()
    new = operations.reissue(certificate, by=user(), reason=data.get("reason"))
    return operations.as_json(new), 201


@endpoints.get("/verify/<code>")
def verify(code):
    """Public (no token): is this a genuine, valid certificate?"""
    hit("api-verify")
    return operations.verification(_certificate(code))
