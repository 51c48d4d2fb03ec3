from flask_babel import lazy_gettext as _l
from lms.forms import FlaskForm
from wtforms import EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional


class FeedbackForm(FlaskForm):
    name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=200)])
    email = EmailField(_l("Your email, if you want an answer"), validators=[Optional(), Email(), Length(max=254)])
    page = StringField(_l("Which page or document (optional)"), validators=[Optional(), Length(max=500)])
    message = TextAreaField(_l("What did not work for you?"), validators=[DataRequired(), Length(max=5000)])
    website = HiddenField()  # left empty by people; filled by form-filling robots
