"""Forms of the completion pages (finalize, reopen)."""
from flask_babel import lazy_gettext as _l
from lms.forms import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length


class FinalizeForm(FlaskForm):
    """Only CSRF: the decision comes from the kind's rule."""


class ReopenForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for reopening"),
        description=_l("Kept in the event's history, e.g. which marks must be corrected."),
        validators=[InputRequired(), Length(max=2000)],
    )
