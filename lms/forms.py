"""The base of every form: Flask-WTF's, with the text rule of lms.validation on each text field."""
import flask_wtf
from wtforms.fields import StringField, TextAreaField

from lms.validation import NoControlCharacters


class FlaskForm(flask_wtf.FlaskForm):
    class Meta(flask_wtf.FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, StringField):
                field.validators = [NoControlCharacters(multiline=isinstance(field, TextAreaField)), *field.validators]
            return field
