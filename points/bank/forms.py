"""Forms of the bank: a resident's request, staff decisions, and the catalogue, partner and donation forms."""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileSize
from wtforms import (
    BooleanField, DateField, HiddenField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField,
    TimeField,
)
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import BoundedIntegerField, db_id
from .services.hours import WEEKDAYS
from .models import LIMIT_PERIOD_LABELS, PARTNER_KIND_LABELS, REWARD_KIND_LABELS, LimitPeriod
from ..photos import MAX_UPLOAD_BYTES


def _token() -> str:
    return secrets.token_urlsafe(16)


def _between(low: int, high: int, message):
    return NumberRange(min=low, max=high, message=message)


def _token_field() -> HiddenField:
    # Fixed when the page is drawn: a double tap or a resent form books once.
    return HiddenField(default=_token, validators=[Length(max=64)])


class RequestForm(FlaskForm):
    token = _token_field()


class RejectForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Please give a reason.")), Length(max=500)])


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class HandoverForm(FlaskForm):
    code = StringField(_l("Pickup code or member code"), validators=[DataRequired(_l("Scan or type the code."))])


class RewardForm(FlaskForm):
    community = SelectField(_l("Community"), coerce=db_id, validate_choice=False)
    name = StringField(_l("Name of the reward"),
                       validators=[DataRequired(_l("Please enter the reward's name.")), Length(max=60)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label) for k, label in REWARD_KIND_LABELS.items()])
    price = BoundedIntegerField(_l("Price in points"), validators=[
        InputRequired(_l("Please enter a whole number of points.")), _between(1, 100_000, _l("From 1 to 100000 points."))])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    photo = FileField(
        _l("Photo"), render_kw={"accept": "image/jpeg,image/png,image/webp"},
        validators=[FileSize(MAX_UPLOAD_BYTES, message=_l("The photo is larger than 5 MB. Please choose a smaller one."))],
    )
    remove_photo = BooleanField(_l("Remove the photo"))
    limit_count = BoundedIntegerField(_l("How many times"), validators=[Optional(), _between(1, 1000, _l("From 1 to 1000."))])
    limit_period = SelectField(_l("Per"), choices=[SelectChoice("", _l("No limit"))]
                               + [SelectChoice(p.value, LIMIT_PERIOD_LABELS[p]) for p in LimitPeriod])
    available_from = DateField(_l("First day"), validators=[Optional()])
    available_until = DateField(_l("Last day"), validators=[Optional()])
    partner_id = SelectField(_l("Donor"), coerce=db_id, validate_choice=False)
    is_listed = BooleanField(_l("Show in the catalogue"), default=True)
    first_donation = BoundedIntegerField(_l("Units donated now"),
                                  validators=[Optional(), _between(1, 10_000, _l("From 1 to 10000."))])
    donation_token = _token_field()


class PartnerForm(FlaskForm):
    community = SelectField(_l("Community"), coerce=db_id, validate_choice=False)
    name = StringField(_l("Name of the partner"),
                       validators=[DataRequired(_l("Please enter the partner's name.")), Length(max=80)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label) for k, label in PARTNER_KIND_LABELS.items()])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=40)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=20)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=120)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])


class DonationForm(FlaskForm):
    reward_id = SelectField(_l("Reward"), coerce=db_id, validate_choice=False)
    partner_id = SelectField(_l("Donor"), coerce=db_id, validate_choice=False)
    quantity = BoundedIntegerField(_l("Units"), validators=[
        InputRequired(_l("Please enter how many.")), _between(1, 10_000, _l("From 1 to 10000."))])
    received_on = DateField(_l("Received on"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    token = _token_field()


class SettingsForm(FlaskForm):
    pickup_place = StringField(_l("Where to collect"), validators=[Optional(), Length(max=120)])
    open_days = SelectMultipleField(
        _l("Open on"), choices=[SelectChoice(str(n), label) for n, label in WEEKDAYS.items()],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Choose at least one opening day."))])
    opens_at = TimeField(_l("Opens at"), validators=[InputRequired(_l("Please enter when the desk opens."))])
    closes_at = TimeField(_l("Closes at"), validators=[InputRequired(_l("Please enter when the desk closes."))])
    pickup_hours = StringField(_l("Note on the opening hours"), validators=[Optional(), Length(max=120)])
    pickup_days = BoundedIntegerField(_l("Days to collect after approval"), validators=[
        InputRequired(_l("Please enter a number of days.")), _between(1, 90, _l("Between 1 and 90 days."))])
