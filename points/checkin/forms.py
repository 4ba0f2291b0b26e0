"""Forms for venues, meetings, staff check-in, closing and votes. Rules live in the services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import BoundedIntegerField, LocalSpan, local_span_fields
from .models import Audience, InviteeRole, SecurityMode, VenueKind

VENUE_KIND_LABELS = {
    VenueKind.HALL.value: _l("Hall (议事厅)"),
    VenueKind.STATION.value: _l("Compound station (议事站)"),
    VenueKind.CORNER.value: _l("Neighbourhood corner (睦邻议事点)"),
}
SECURITY_MODE_LABELS = {
    SecurityMode.POSTER.value: _l("Printed venue code is enough"),
    SecurityMode.ROTATING.value: _l("Changing code on a screen at the venue (cannot be used from home)"),
}
AUDIENCE_LABELS = {
    Audience.COMMUNITY.value: _l("Every resident of the community"),
    Audience.INVITED.value: _l("Invited participants only"),
}
INVITEE_ROLE_LABELS = {InviteeRole.STAKEHOLDER.value: _l("Stakeholder"), InviteeRole.COUNCIL.value: _l("Council member")}


def choices_of(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class VenueForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=80)])
    brand = StringField(_l("Brand name (optional)"), validators=[Length(max=40)])
    kind = SelectField(_l("Kind"), choices=choices_of(VENUE_KIND_LABELS))
    unit = SelectField(_l("Where"), coerce=int, validate_choice=False)
    location = StringField(_l("Address or directions"), validators=[Length(max=200)])
    is_active = BooleanField(_l("In use"), default=True)


class MeetingForm(LocalSpan, FlaskForm):
    title = StringField(_l("Topic"), validators=[DataRequired(_l("Please enter the topic.")), Length(max=120)])
    venue = SelectField(_l("Venue"), coerce=int, validate_choice=False)
    day, start, end = local_span_fields()
    opens_before = BoundedIntegerField(
        _l("Check-in opens (minutes before the start)"), default=30,
        validators=[InputRequired(_l("Please enter a number of minutes.")), NumberRange(min=0, max=240, message=_l("Between 0 and 240 minutes."))],
    )
    closes_after = BoundedIntegerField(
        _l("Check-in stays open (minutes after the end)"), default=0,
        validators=[InputRequired(_l("Please enter a number of minutes.")), NumberRange(min=0, max=240, message=_l("Between 0 and 240 minutes."))],
    )
    points = BoundedIntegerField(_l("Points for attending (empty: the community's rule)"), validators=[Optional(), NumberRange(min=0, max=1000, message=_l("Between 0 and 1000 points."))])
    security_mode = RadioField(_l("How residents check in"), choices=choices_of(SECURITY_MODE_LABELS), default=SecurityMode.POSTER.value)
    audience = RadioField(_l("Who may attend"), choices=choices_of(AUDIENCE_LABELS), default=Audience.COMMUNITY.value)
    agenda = TextAreaField(_l("Agenda"), validators=[Length(max=5000)])


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason for cancelling"), validators=[DataRequired(_l("Please give a reason.")), Length(max=500)])


class CloseForm(FlaskForm):
    headcount = BoundedIntegerField(_l("People present at the close"), validators=[InputRequired(_l("Please enter how many people were there.")), NumberRange(min=0, max=100000)])
    minutes = TextAreaField(_l("Minutes"), validators=[Length(max=20000)])


class ScanForm(FlaskForm):
    code = StringField(_l("Member code"), validators=[DataRequired(_l("Scan or type the member code.")), Length(max=300)])


class PickForm(FlaskForm):
    """Staff picked a resident from the search results."""

    resident_id = HiddenField(validators=[DataRequired()])


class InviteForm(FlaskForm):
    resident_id = HiddenField(validators=[DataRequired()])
    role = SelectField(_l("As"), choices=choices_of(INVITEE_ROLE_LABELS), default=InviteeRole.STAKEHOLDER.value)


class UndoForm(FlaskForm):
    reason = StringField(_l("Why undo this check-in"), validators=[DataRequired(_l("Please give a reason.")), Length(max=500)])


class VoteForm(FlaskForm):
    question = StringField(_l("Question"), validators=[DataRequired(_l("Please enter the question.")), Length(max=300)])


class HandsForm(FlaskForm):
    # Its own id: the meeting page also carries the vote form's `question`.
    question = StringField(_l("Question"), id="hands_question",
                           validators=[DataRequired(_l("Please enter the question.")), Length(max=300)])
    yes = BoundedIntegerField(_l("In favour"), validators=[InputRequired(_l("Please enter a count.")), NumberRange(min=0)])
    no = BoundedIntegerField(_l("Against"), validators=[InputRequired(_l("Please enter a count.")), NumberRange(min=0)])
    abstain = BoundedIntegerField(_l("Abstained"), default=0, validators=[InputRequired(_l("Please enter a count.")), NumberRange(min=0)])


class TokenForm(FlaskForm):
    name = StringField(_l("Device name"), validators=[DataRequired(_l("Name the device.")), Length(max=60)])


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name, or name and last four digits of the phone"))
