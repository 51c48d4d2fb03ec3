"""Forms of the workshop kind: its settings and an action plan."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from lms.forms import FlaskForm

METHODS = {
    "open": _l("Open format"),
    "future_workshop": _l("Future workshop (critique, vision, action plans)"),
}


class WorkshopSettingsForm(FlaskForm):
    method = SelectField(_l("Method"), choices=[(k, v) for k, v in METHODS.items()], default="open")


class ActionPlanForm(FlaskForm):
    what = TextAreaField(_l("What"), description=_l("What do we want to achieve?"), validators=[InputRequired(), Length(max=2000)])
    how = TextAreaField(_l("How"), validators=[Optional(), Length(max=4000)])
    who = StringField(_l("Who"), description=_l("Who is responsible?"), validators=[Optional(), Length(max=300)])
    first_step = TextAreaField(_l("First step"), validators=[Optional(), Length(max=2000)])
