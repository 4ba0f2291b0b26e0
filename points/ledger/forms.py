"""Staff forms for awarding and correcting points by hand."""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..forms import BoundedIntegerField, db_id


def _token() -> str:
    return secrets.token_urlsafe(16)


class AwardForm(FlaskForm):
    points = BoundedIntegerField(
        _l("Points"),
        validators=[DataRequired(_l("Please enter a whole number of points.")), NumberRange(min=1, max=1000, message=_l("Between 1 and 1000 points."))],
    )
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Please give a reason.")), Length(max=500)])
    # A double tap or a resubmitted page books the award once: the key is fixed when the form is drawn.
    token = HiddenField(default=_token, validators=[DataRequired(), Length(min=8, max=43)])


class ReverseForm(FlaskForm):
    reason = StringField(_l("Reason for the correction"), validators=[DataRequired(_l("Please give a reason.")), Length(max=500)])


class ResidentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter the name.")), Length(max=40)])
    phone = StringField(_l("Mobile number (optional)"))
    unit = SelectField(_l("Building"), coerce=db_id, validate_choice=False)


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name, or last four digits of the phone"))


class RuleForm(FlaskForm):
    points = BoundedIntegerField(_l("Points"), validators=[NumberRange(min=0, max=10000, message=_l("Between 0 and 10000 points."))])
    daily_cap = BoundedIntegerField(_l("At most per day"), validators=[Optional(), NumberRange(min=1, max=10000, message=_l("Leave empty for no limit, or 1 to 10000."))])
    monthly_cap = BoundedIntegerField(_l("At most per month"), validators=[Optional(), NumberRange(min=1, max=10000, message=_l("Leave empty for no limit, or 1 to 10000."))])
