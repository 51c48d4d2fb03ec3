from flask_babel import lazy_gettext as _l
from lms.forms import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, DecimalField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.catalog.models import EVENT_STATUSES


class ActivityForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    theme_id = SelectField(_l("Theme"), coerce=str, validate_choice=False)
    hours_per_session = DecimalField(_l("Hours credited per session"), validators=[Optional(), NumberRange(min=0.25, max=24)],
                                     description=_l("Leave empty to count each session's real length."))
    requires_approval = BooleanField(_l("Enrolment needs the manager's approval"))
    eligible_function_codes = SelectMultipleField(_l("Open to these job functions (none = everyone)"), validate_choice=False,
                                                  description=_l("Hold Ctrl (or Cmd) to choose several."))
    prerequisite_activity_ids = SelectMultipleField(_l("Required before enrolling (completed activities)"), coerce=int,
                                                    validate_choice=False)


class EventForm(FlaskForm):
    title = StringField(_l("Title (e.g. the place or cohort)"), validators=[Optional(), Length(max=300)])
    capacity = IntegerField(_l("Capacity"), validators=[DataRequired(message=_l("Give a number of seats.")), NumberRange(min=0, max=100000)], default=20)
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    online_url = URLField(_l("Online meeting link"), validators=[Optional(), Length(max=500)])
    status = SelectField(_l("Status"), choices=list(EVENT_STATUSES.items()), default="open")
    enrol_opens_at = DateTimeLocalField(_l("Enrolment opens"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    enrol_closes_at = DateTimeLocalField(_l("Enrolment closes"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    trainer_ids = SelectMultipleField(_l("Trainers"), coerce=int, validate_choice=False,
                                      description=_l("Hold Ctrl (or Cmd) to choose several."))
