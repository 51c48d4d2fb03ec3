from flask_babel import lazy_gettext as _l
from lms.forms import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError

from lms.people.models import GENDERS, LOCALES, ORGANISATION_KINDS, ROLES
from lms.validation import EMAIL_MAX_LENGTH, normalise_email


class EmailAddress:
    """The API's email rule (lms.validation.normalise_email) for a form field."""

    def __call__(self, form, field):
        _address, problem = normalise_email(field.data or "")
        if problem is not None:
            raise FieldError(problem)


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=list(ORGANISATION_KINDS.items()))
    region = StringField(_l("Region"), validators=[Optional(), Length(max=120)])
    parent_id = SelectField(_l("Part of (federation)"), coerce=str, validate_choice=False,
                            description=_l("For a municipality that is a member of a municipal federation."))


class FunctionForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=60)],
                       description=_l("Stable identifier used in reports and imports, e.g. unit_manager."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class PersonForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress()],
                       render_kw={"maxlength": EMAIL_MAX_LENGTH})
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    organisation_id = SelectField(_l("Organisation"), coerce=str, validate_choice=False)
    function_code = SelectField(_l("Job function"), coerce=str, validate_choice=False)
    gender = SelectField(_l("Gender"), choices=list(GENDERS.items()), default="unspecified")
    birth_year = IntegerField(_l("Birth year"), validators=[Optional(), NumberRange(min=1900, max=2030)])
    locale = SelectField(_l("Language"), choices=list(LOCALES.items()), default="sv")
    password = PasswordField(_l("Password"), validators=[Optional(), Length(min=8, max=200)],
                             description=_l("Leave empty to keep it (or to have none: imported people sign in later)."))
    active = BooleanField(_l("Active (can sign in and enrol)"), default=True)


#: Roles from the least to the most privileged: a role must be chosen on purpose.
ROLE_ORDER = ("trainer", "manager", "coordinator", "admin")


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[("", _l("Choose a role"))] + [(r, ROLES[r]) for r in ROLE_ORDER if r in ROLES]
                       + [(r, label) for r, label in ROLES.items() if r not in ROLE_ORDER],
                       default="", validators=[InputRequired(message=_l("Choose a role."))])
    organisation_id = SelectField(_l("Organisation (for managers)"), coerce=str, validate_choice=False)
    programme_id = SelectField(_l("Programme (for coordinators; empty = all)"), coerce=str, validate_choice=False)


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()],
                     description=_l("Columns: email, name, organisation, function_code, gender, birth_year, locale. UTF-8."))
