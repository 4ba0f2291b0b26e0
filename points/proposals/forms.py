"""The proposal forms: the suggestion (short enough for a phone in under a minute), and the staff steps."""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField, DateField, DateTimeLocalField, HiddenField, IntegerField, RadioField, SelectChoice, SelectField,
    StringField, TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..forms import db_id
from .models import OWNER_KIND_LABELS


def optional_id(value: object) -> int | None:
    return None if value in (None, "") else db_id(value)


def _token() -> str:
    return secrets.token_urlsafe(16)


class SuggestForm(FlaskForm):
    token = HiddenField(default=_token, validators=[Length(max=64)])
    title = StringField(_l("What is the matter?"), validators=[DataRequired(_l("Please say what the matter is.")),
                                                               Length(max=80)])
    description = TextAreaField(_l("Details (optional)"), validators=[Optional(), Length(max=2000)])
    category = SelectField(_l("Category"), coerce=optional_id, validate_choice=False)
    unit = RadioField(_l("Affected area"), coerce=optional_id, validate_choice=False)
    photos = MultipleFileField(_l("Photos (up to 3)"))
    is_anonymous = BooleanField(_l("Hide my name from other residents"))


class StaffSuggestForm(SuggestForm):
    member_code = StringField(_l("The resident's member code"), validators=[DataRequired(), Length(max=32)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Please give a reason.")), Length(max=1000)])


class NoteForm(FlaskForm):
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


class RejectForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Please give a reason.")), Length(max=500)])
    negative_item = SelectField(_l("Negative list"), coerce=optional_id, validate_choice=False)


class MergeForm(FlaskForm):
    into = SelectField(_l("Merge into topic"), coerce=db_id, validate_choice=False)


class ScheduleForm(FlaskForm):
    venue = SelectField(_l("Venue"), coerce=db_id, validate_choice=False)
    title = StringField(_l("Meeting title"), validators=[Optional(), Length(max=120)])
    start = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    hours = IntegerField(_l("Hours"), default=2, validators=[NumberRange(min=1, max=12)])
    invite = RadioField(_l("Invite"), default="unit", choices=[
        SelectChoice("unit", _l("The residents of the affected area, and the council")),
        SelectChoice("council", _l("The council and the stakeholders named below (1+8+N)"))])
    stakeholders = TextAreaField(
        _l("Stakeholders: member codes or phone numbers, one per line"), validators=[Optional(), Length(max=2000)])


class DecisionForm(FlaskForm):
    vote = SelectField(_l("Vote"), coerce=db_id, validate_choice=False)
    text = TextAreaField(_l("Resolution and minutes"), validators=[Optional(), Length(max=5000)])


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Answer"), validators=[DataRequired(_l("Please write the answer.")), Length(max=1000)])


class OwnerForm(FlaskForm):
    owner_kind = SelectField(_l("Carried out by"), choices=[SelectChoice(k.value, v) for k, v in OWNER_KIND_LABELS.items()])
    owner_name = StringField(_l("Name of the owner"), validators=[Optional(), Length(max=80)])
    due_on = DateField(_l("Deadline"), validators=[Optional()])


class UpdateForm(FlaskForm):
    text = TextAreaField(_l("Progress"), validators=[DataRequired(_l("Please describe the progress.")), Length(max=1000)])
    photos = MultipleFileField(_l("Photos (up to 3)"))


class RateForm(FlaskForm):
    stars = RadioField(_l("Your rating"), coerce=int, choices=[SelectChoice(i, "★" * i) for i in range(5, 0, -1)],
                       validators=[DataRequired(_l("Choose 1 to 5 stars."))])
    comment = StringField(_l("Comment (optional)"), validators=[Optional(), Length(max=500)])


class SettingsForm(FlaskForm):
    screening_days = IntegerField(_l("Screening period (working days)"), validators=[NumberRange(min=1, max=60)])
    objection_days = IntegerField(_l("Notice period (working days)"), validators=[NumberRange(min=1, max=60)])
    rating_days = IntegerField(_l("Rating period (days)"), validators=[NumberRange(min=1, max=90)])
    threshold_percent = IntegerField(_l("A decision passes with more than this % of votes cast"),
                                     validators=[NumberRange(min=0, max=99)])
    categories = TextAreaField(_l("Scope categories, one per line"), validators=[DataRequired()])
    negative_items = TextAreaField(_l("Negative list, one per line"), validators=[DataRequired()])


class WorkingDaysForm(FlaskForm):
    working_days = TextAreaField(
        _l("The community's own days, one per line: a date, 班 (worked) or 休 (not worked), a note"),
        validators=[Optional(), Length(max=5000)])
