from flask_babel import lazy_gettext as _l
from lms.forms import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class EnrolPersonForm(FlaskForm):
    # Chosen among the person picker's results (radio buttons).
    person_id = RadioField(_l("Person"), coerce=int, validate_choice=False,
                           validators=[InputRequired(message=_l("Choose a person."))])


class ManagerEnrolForm(FlaskForm):
    person_id = RadioField(_l("Person"), coerce=int, validate_choice=False,
                           validators=[InputRequired(message=_l("Choose a person."))])
    event_id = SelectField(_l("Event"), coerce=int, validate_choice=False)


class MoveForm(FlaskForm):
    event_id = SelectField(_l("Move to"), coerce=int, validate_choice=False)


class CapacityForm(FlaskForm):
    capacity = IntegerField(_l("Capacity"), validators=[DataRequired(), NumberRange(min=0, max=100000)])


class PriorForm(FlaskForm):
    activity_id = SelectField(_l("Activity (if it is one of ours)"), coerce=str, validate_choice=False)
    title = StringField(_l("Title (if not one of our activities)"), validators=[Optional(), Length(max=300)])
    completed_on = DateField(_l("Completed on"), validators=[DataRequired()])
    hours = DecimalField(_l("Hours"), validators=[Optional(), NumberRange(min=0)])
    evidence = TextAreaField(_l("Evidence"), validators=[DataRequired(), Length(max=5000)],
                             description=_l("E.g. the course certificate's number, issuer and date."))
