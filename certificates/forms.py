"""Forms of the certificate pages."""
from flask_babel import lazy_gettext as _l
from lms.forms import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class CodeForm(FlaskForm):
    """Look a code up (GET, no CSRF needed: it changes nothing)."""

    class Meta:
        csrf = False

    code = StringField(_l("Certificate code"), description=_l("As printed on the certificate, e.g. 7KQ2-M9XD-4TPA-V0BN."),
                       validators=[InputRequired(), Length(max=40)])


class UploadForm(FlaskForm):
    pdf = FileField(_l("Certificate PDF"), description=_l("The file you received. At most 5 MB."),
                    validators=[FileRequired(_l("Choose a PDF file."))])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), description=_l("Shown on the public verification page."),
                           validators=[InputRequired(), Length(max=2000)])


class IssueForm(FlaskForm):
    """Only CSRF: issue the event's missing certificates."""


class ZipForm(FlaskForm):
    """Only CSRF; the selected codes come as a list of ``code`` values."""


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or code"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), choices=[("", _l("All")), ("valid", _l("Valid")), ("revoked", _l("Revoked"))],
                         validators=[Optional()])
    organisation_id = SelectField(_l("Organisation"), choices=[], validators=[Optional()], coerce=str)
