"""Forms of the standing pages: a resident's public-list choice; an admin's ladder and index weights."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from .indices import DEFAULTS, LABELS


class PublicChoiceForm(FlaskForm):
    show_name = BooleanField(_l("Show my full name on the honour roll (otherwise only the family name)"))
    hidden = BooleanField(_l("Leave me off every public list"))


class StandingForm(FlaskForm):
    levels = TextAreaField(_l("Levels: one per line, the points it starts at, a space, its name"))


for _key in DEFAULTS:
    setattr(StandingForm, _key, IntegerField(LABELS[_key], validators=[
        InputRequired(_l("Please enter a whole number.")), NumberRange(min=0, max=1000, message=_l("From 0 to 1000."))]))
