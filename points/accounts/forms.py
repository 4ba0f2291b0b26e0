"""Forms for signing up and logging in. Rules live in the services; forms only shape and pre-check input."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import db_id


class RegisterForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter your name.")), Length(max=40)])
    phone = StringField(_l("Mobile number"), validators=[DataRequired(_l("Please enter your mobile number."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please choose a password."))])
    unit = SelectField(_l("Your building"), coerce=db_id, validate_choice=False)


class LoginForm(FlaskForm):
    phone = StringField(_l("Mobile number"), validators=[DataRequired(_l("Please enter your mobile number."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please enter your password."))])
    remember = BooleanField(_l("Stay logged in on this phone"), default=False)  # phones are shared in families


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"))
    new = PasswordField(_l("New password"), validators=[DataRequired(_l("Please choose a password."))])


class GrantForm(FlaskForm):
    phone = StringField(_l("Mobile number of the person"), validators=[DataRequired(_l("Please enter the mobile number."))])
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("staff", _l("Community staff")), SelectChoice("admin", _l("Administrator")),
            SelectChoice("council", _l("Council member")),
        ],
    )
    unit = SelectField(_l("Unit"), coerce=db_id, validate_choice=False)
