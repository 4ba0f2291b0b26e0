"""Forms for volunteers, activities, the desk, confirmation and back-fill. Rules live in the services."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import clock
from ..checkin.forms import local_to_utc
from ..forms import db_id
from .models import SKILL_LABELS


class SkillsForm(FlaskForm):
    skills = SelectMultipleField(_l("What you can help with (optional)"),
                                 choices=[SelectChoice(s.value, label) for s, label in SKILL_LABELS.items()],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class ActivityForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please give the activity a title.")), Length(max=120)])
    venue = SelectField(_l("Where volunteers check in"), coerce=db_id, validate_choice=False)
    place = StringField(_l("Meeting point (optional)"), validators=[Length(max=200)])
    day = DateField(_l("Date"), validators=[InputRequired(_l("Please enter the date."))])
    start = TimeField(_l("Starts at"), validators=[InputRequired(_l("Please enter the start time."))])
    end = TimeField(_l("Ends at"), validators=[InputRequired(_l("Please enter the end time."))])
    slots = IntegerField(_l("Places"), default=10, validators=[
        InputRequired(_l("Please enter the number of places.")), NumberRange(min=1, max=1000, message=_l("Between 1 and 1000."))])
    points_per_hour = IntegerField(_l("Points per confirmed hour (empty: the community's rule)"), validators=[
        Optional(), NumberRange(min=0, max=1000, message=_l("Between 0 and 1000 points."))])
    fixed_points = IntegerField(_l("Or a fixed amount of points"), validators=[
        Optional(), NumberRange(min=0, max=1000, message=_l("Between 0 and 1000 points."))])
    cap_hours = IntegerField(_l("Hours counted at most (empty: the scheduled span)"), validators=[
        Optional(), NumberRange(min=1, max=24, message=_l("Between 1 and 24 hours."))])
    description = TextAreaField(_l("What volunteers will do"), validators=[Length(max=5000)])

    def show_times(self, starts_at: datetime, ends_at: datetime) -> None:
        self.day.data = clock.local_date(starts_at)
        self.start.data = clock.local(starts_at).time()
        self.end.data = clock.local(ends_at).time()

    @property
    def starts_at(self) -> datetime | None:
        return local_to_utc(self.day.data, self.start.data)

    @property
    def ends_at(self) -> datetime | None:
        return local_to_utc(self.day.data, self.end.data)


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason for cancelling"), validators=[DataRequired(_l("Please give a reason.")), Length(max=500)])


class AdjustForm(FlaskForm):
    minutes = IntegerField(_l("Minutes to count"), validators=[
        InputRequired(_l("Please enter the minutes.")), NumberRange(min=0, max=1440, message=_l("Between 0 and 1440 minutes."))])
    reason = StringField(_l("Reason for the change"), validators=[DataRequired(_l("Please give a reason for the change.")), Length(max=500)])


class BackfillForm(FlaskForm):
    resident = SelectField(_l("Volunteer"), coerce=db_id, validate_choice=False)
    day = DateField(_l("Date"), validators=[InputRequired(_l("Please enter the date."))])
    start = TimeField(_l("Arrived at"), validators=[InputRequired(_l("Please enter the time."))])
    end = TimeField(_l("Left at"), validators=[InputRequired(_l("Please enter the time."))])
    note = StringField(_l("Why recorded by hand"), validators=[DataRequired(_l("Please say why the hours are recorded by hand.")), Length(max=500)])

    def show_span(self, activity) -> None:
        """Start from the scheduled times; staff change what differed."""
        self.day.data = clock.local_date(activity.starts_at)
        self.start.data = clock.local(activity.starts_at).time()
        self.end.data = clock.local(activity.ends_at).time()

    @property
    def started_at(self) -> datetime | None:
        return local_to_utc(self.day.data, self.start.data)

    @property
    def ended_at(self) -> datetime | None:
        return local_to_utc(self.day.data, self.end.data)
