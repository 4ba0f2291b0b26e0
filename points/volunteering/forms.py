"""Forms for volunteers, activities, the desk, confirmation and back-fill. Rules live in the services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..checkin.forms import CancelForm
from ..forms import LocalSpan, db_id, local_span_fields
from .models import SKILL_LABELS

__all__ = ["ActivityForm", "AdjustForm", "BackfillForm", "CancelForm", "SkillsForm"]


class SkillsForm(FlaskForm):
    skills = SelectMultipleField(_l("What you can help with (optional)"),
                                 choices=[SelectChoice(s.value, label) for s, label in SKILL_LABELS.items()],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class ActivityForm(LocalSpan, FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please give the activity a title.")), Length(max=120)])
    venue = SelectField(_l("Where volunteers check in"), coerce=db_id, validate_choice=False)
    place = StringField(_l("Meeting point (optional)"), validators=[Length(max=200)])
    day, start, end = local_span_fields()
    slots = IntegerField(_l("Places"), default=10, validators=[
        InputRequired(_l("Please enter the number of places.")), NumberRange(min=1, max=1000, message=_l("Between 1 and 1000."))])
    points_per_hour = IntegerField(_l("Points per confirmed hour (empty: the community's rule)"), validators=[
        Optional(), NumberRange(min=0, max=1000, message=_l("Between 0 and 1000 points."))])
    fixed_points = IntegerField(_l("Or a fixed amount of points"), validators=[
        Optional(), NumberRange(min=0, max=1000, message=_l("Between 0 and 1000 points."))])
    cap_hours = IntegerField(_l("Hours counted at most (empty: the scheduled span)"), validators=[
        Optional(), NumberRange(min=1, max=24, message=_l("Between 1 and 24 hours."))])
    description = TextAreaField(_l("What volunteers will do"), validators=[Length(max=5000)])
    # A case in implementation (办) this activity serves; 0 is none. The choices come from the proposal workflow
    # through the registry (`Registry.open_cases`); the service checks the community and the stage.
    proposal = SelectField(_l("Serves the case (optional)"), coerce=db_id, validate_choice=False, default=0)


class AdjustForm(FlaskForm):
    minutes = IntegerField(_l("Minutes to count"), validators=[
        InputRequired(_l("Please enter the minutes.")), NumberRange(min=0, max=1440, message=_l("Between 0 and 1440 minutes."))])
    reason = StringField(_l("Reason for the change"), validators=[DataRequired(_l("Please give a reason for the change.")), Length(max=500)])


class BackfillForm(LocalSpan, FlaskForm):
    """Hours typed by hand: the span is when the volunteer arrived and left (`starts_at`, `ends_at`)."""

    resident = SelectField(_l("Volunteer"), coerce=db_id, validate_choice=False)
    day, start, end = local_span_fields(start_label=_l("Arrived at"), end_label=_l("Left at"))
    note = StringField(_l("Why recorded by hand"), validators=[DataRequired(_l("Please say why the hours are recorded by hand.")), Length(max=500)])
