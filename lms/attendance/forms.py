"""Forms of the attendance pages. Rules are checked by the operations; these forms
carry CSRF, parse input and render labels."""
from flask_babel import lazy_gettext as _l
from lms.forms import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional


def choices(pairs):
    """SelectField choices from (value, label) pairs (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


class MarkForm(FlaskForm):
    """One roster row: the pressed status button, optional minutes, note and reason."""

    status = StringField(_l("Attendance"))
    minutes = StringField(_l("Minutes attended"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])
    reason = StringField(_l("Reason for the change"), validators=[Optional(), Length(max=2000)])


class ActionForm(FlaskForm):
    """A form with only CSRF protection (mark all present, finalize)."""


class MakeupForm(FlaskForm):
    enrollment_id = SelectField(
        _l("Participant from another cohort"),
        description=_l("Someone making up this day, who is enrolled in another cohort of the same track."),
        coerce=int,
        validate_choice=False,
    )


class CheckInForm(FlaskForm):
    code = StringField(
        _l("Check-in code"),
        description=_l("The 6 letters and digits the trainer shows."),
        validators=[InputRequired(), Length(max=20)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    session = HiddenField()
