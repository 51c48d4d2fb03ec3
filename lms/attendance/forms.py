"""Forms of the attendance pages. Rules are checked by the operations; these forms
carry CSRF, parse input and render labels."""
from flask_babel import lazy_gettext as _l
from lms.forms import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
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


class ActionPlanForm(FlaskForm):
    what = TextAreaField(_l("What"), description=_l("What do we want to achieve?"), validators=[InputRequired(), Length(max=2000)])
    how = TextAreaField(_l("How"), validators=[Optional(), Length(max=4000)])
    who = StringField(_l("Who"), description=_l("Who is responsible?"), validators=[Optional(), Length(max=300)])
    first_step = TextAreaField(_l("First step"), validators=[Optional(), Length(max=2000)])


class CadenceFilterForm(FlaskForm):
    class Meta:
        csrf = False

    programme = SelectField(_l("Programme"), coerce=int, validate_choice=False)
