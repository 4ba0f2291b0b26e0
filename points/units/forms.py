"""Admin forms for the unit tree and role grants."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired


class ImportUnitsForm(FlaskForm):
    file = FileField(
        _l("CSV file (district,street,community,compound,building)"),
        validators=[FileRequired(_l("Please choose a CSV file.")), FileAllowed(["csv", "txt"], _l("Only CSV files."))],
    )


class GrantForm(FlaskForm):
    phone = StringField(_l("Mobile number of the person"), validators=[DataRequired(_l("Please enter the mobile number."))])
    role = SelectField(_l("Role"), choices=[("staff", _l("Community staff")), ("admin", _l("Administrator")), ("council", _l("Council member"))])
    unit = SelectField(_l("Unit"), coerce=int, validate_choice=False)
