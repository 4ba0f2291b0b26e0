"""Forms for signing up and logging in. Rules live in the services; forms only shape and pre-check input."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..forms import BoundedIntegerField, db_id


class RegisterForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter your name.")), Length(max=40)])
    phone = StringField(_l("Mobile number"), validators=[DataRequired(_l("Please enter your mobile number."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please choose a password."))])
    unit = SelectField(_l("Your building"), coerce=db_id, validate_choice=False)


class LoginForm(FlaskForm):
    phone = StringField(_l("Mobile number"), validators=[DataRequired(_l("Please enter your mobile number."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please enter your password."))])
    remember = BooleanField(_l("Stay logged in on this phone"), default=False)  # phones are shared in families


class PolicyForm(FlaskForm):
    eligibility = SelectField(
        _l("New accounts"),
        choices=[SelectChoice("confirmed", _l("Earn points once staff confirm the person (实名确认)")),
                 SelectChoice("open", _l("Earn points at once"))],
    )
    manual_award_threshold = BoundedIntegerField(
        _l("Manual awards above this many points need a second staff member"),
        validators=[InputRequired(_l("Please enter a number of points.")), NumberRange(min=0, max=1_000_000)],
    )
    is_single_staff_allowed = BooleanField(_l("This community has one staff member: allow one person to do what needs two"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"))
    new = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Please choose a password.")), Length(min=8, message=_l("The password needs at least 8 characters.")),
    ])


ROLE_LABELS = {"staff": _l("Community staff"), "admin": _l("Administrator"), "council": _l("Council member")}


class GrantForm(FlaskForm):
    phone = StringField(_l("Mobile number of the person"), validators=[DataRequired(_l("Please enter the mobile number."))])
    role = SelectField(_l("Role"), choices=[SelectChoice(code, label) for code, label in ROLE_LABELS.items()])
    unit = SelectField(_l("Unit"), coerce=db_id, validate_choice=False)


class ResetWithCodeForm(FlaskForm):
    phone = StringField(_l("Mobile number"), validators=[DataRequired(_l("Please enter your mobile number."))])
    code = StringField(_l("One-time code from the desk"), validators=[DataRequired(_l("Please enter the code staff gave you."))])
    new = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Please choose a password.")), Length(min=8, message=_l("The password needs at least 8 characters.")),
    ])


class IssueCodeForm(FlaskForm):
    checked = BooleanField(_l("I have checked this person's identity card (or household register) in person"),
                           validators=[DataRequired(_l("Check the person's identity before issuing a code."))])
