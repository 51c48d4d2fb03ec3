"""Forms of the programmes area."""
from flask_babel import lazy_gettext as _l
from lms.forms import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from lms.programmes.models import GOAL_BASES, GOAL_UNITS


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of labelled checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProgrammeFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Code or name contains"), validators=[Optional(), Length(max=100)])


class ProgrammeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("A short unique code, e.g. LC-KOMP."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    organisation_ids = CheckboxesField(_l("Participating organisations"), coerce=int, validate_choice=False)
    issuer_name = StringField(_l("Certificate issuer"), validators=[Optional(), Length(max=200)])
    signer_name = StringField(_l("Certificate signed by"), validators=[Optional(), Length(max=200)])
    signer_title = StringField(_l("Signer's title"), validators=[Optional(), Length(max=200)])
    logo = FileField(_l("Logo on certificates"), description=_l("PNG or JPEG, at most 1 MB and 4000 × 4000 pixels."))
    remove_logo = BooleanField(_l("Remove the logo"))


class _WholeNumberRange(NumberRange):
    """NumberRange that stays silent when the input was not a number at all (the field
    already says so)."""

    def __call__(self, form, field):
        if field.data is not None:
            super().__call__(form, field)


def planned_field_name(function):
    return f"planned_{function.id}"


def programme_form(functions, **kwargs):
    """A ProgrammeForm with one planned-number field per job function in ``functions``."""

    class Form(ProgrammeForm):
        pass

    for function in functions:
        setattr(Form, planned_field_name(function), IntegerField(
            function.name, validators=[Optional(), _WholeNumberRange(min=0, max=1_000_000)],
            widget=NumberInput(min=0)))
    return Form(**kwargs)


class ThemeForm(FlaskForm):
    name = StringField(_l("New theme"), validators=[DataRequired(), Length(max=300)])


class GoalForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    unit = SelectField(_l("Counted in"), choices=list(GOAL_UNITS.items()))
    target = IntegerField(_l("Target"), validators=[InputRequired(), _WholeNumberRange(min=0, max=10_000_000)], widget=NumberInput(min=0))
    basis = SelectField(_l("A person counts when they have"), choices=list(GOAL_BASES.items()),
                        description=_l("For person goals only: attended at least one session, or completed the activity."))
    function_codes = CheckboxesField(_l("Job functions counted (none = all)"), validate_choice=False)
    activity_ids = SelectMultipleField(_l("Activities that count"), coerce=int, validate_choice=False,
                                       description=_l("Activities of this programme. Hold Ctrl (or Cmd) to choose several."))


class OutcomeForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int, validate_choice=False,
                                  validators=[InputRequired()])
    evidence = TextAreaField(_l("Evidence"), validators=[DataRequired(), Length(max=20000)],
                             description=_l("What the organisation did, with references to documents."))
    attachment = FileField(_l("Attachment (optional, at most 5 MB)"))
