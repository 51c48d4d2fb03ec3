"""Forms of the network kind: its settings and the cadence page's filter."""
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from lms.forms import FlaskForm


class NetworkSettingsForm(FlaskForm):
    min_meetings = IntegerField(
        _l("Meetings needed to complete"), validators=[InputRequired(), NumberRange(min=1)], default=2
    )
    cadence_per_year = IntegerField(
        _l("Required meetings per year"), validators=[Optional(), NumberRange(min=0)], default=2
    )


class CadenceFilterForm(FlaskForm):
    class Meta:
        csrf = False

    programme = SelectField(_l("Programme"), coerce=int, validate_choice=False)
