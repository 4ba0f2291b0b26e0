"""Shared form helpers."""
from __future__ import annotations

import re
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, TimeField
from wtforms.validators import InputRequired, ValidationError

from . import clock
from .errors import DomainError


def apply_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's refusal next to the field it names, or above the form when it names none."""
    field = error.details.get("field")
    if isinstance(field, str) and field in form._fields:
        form._fields[field].errors = [*form._fields[field].errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))


MAX_ID = 2**31 - 1  # ids are 32-bit on every engine; a bigger number in a URL or form is simply not found


MAX_INT = 2**31 - 1  # every integer column holds this on every engine (PostgreSQL's INTEGER is 32-bit)
_ASCII_INT = re.compile(r"[+-]?[0-9]{1,12}")


def ascii_int(value: object) -> int:
    """An integer written with ASCII digits only, within the columns' range. Python's `int()` also takes "٣",
    "1_000" and surrounding spaces, and "²".isdigit() is true though `int("²")` fails: none of that reaches
    the database. Raises ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip(" ")
        if not _ASCII_INT.fullmatch(text):
            raise ValueError("not a number")
        number = int(text)
    if not -MAX_INT <= number <= MAX_INT:
        raise ValueError("out of range")
    return number


def db_id(value: object) -> int:
    """`coerce` for fields that carry a row id: a clear field error for junk instead of a database error."""
    number = ascii_int(value)  # ValueError/TypeError become WTForms' "not a valid choice"
    if not 0 <= number <= MAX_ID:
        raise ValueError("out of range")
    return number


def int_arg(args, name: str) -> int | None:
    """An optional id from the query string; anything that is not one is ignored."""
    try:
        value = ascii_int(args.get(name, ""))
    except ValueError:
        return None
    return value if 0 <= value <= MAX_ID else None


class BoundedIntegerField(IntegerField):
    """An IntegerField that takes ASCII digits only and numbers the database can store; anything else is
    the field's "not a valid integer" error (WTForms' own message, translated), never a database error."""

    def process_formdata(self, valuelist: list) -> None:
        if not valuelist:
            return
        try:
            self.data = ascii_int(valuelist[0])
        except ValueError as error:
            self.data = None
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid integer value.")) from error


# ------------------------------------------------------------------ a span of time as staff type it


def local_to_utc(day: date | None, time_of_day: time | None) -> datetime | None:
    """A date and time as staff type them (local time) → an aware UTC datetime."""
    if day is None or time_of_day is None:
        return None
    return clock.to_utc(datetime.combine(day, time_of_day))


STARTS_AT, ENDS_AT = _l("Starts at"), _l("Ends at")


def local_span_fields(start_label=STARTS_AT, end_label=ENDS_AT) -> tuple[DateField, TimeField, TimeField]:
    """The `day`, `start` and `end` fields of a form with `LocalSpan`: one date and two times, in local time.
    Called inside the form's class body, so the fields keep their place among the others (and in the error list)."""
    return (DateField(_l("Date"), validators=[InputRequired(_l("Please enter the date."))]),
            TimeField(start_label, validators=[InputRequired(_l("Please enter the start time."))]),
            TimeField(end_label, validators=[InputRequired(_l("Please enter the end time."))]))


class LocalSpan:
    """For a form with `day, start, end = local_span_fields()` (a meeting, an activity, hours typed by hand): the
    span in UTC as services take it, filling the fields from UTC times, and an end before the start refused
    beside the end field. A span lies within one day; services check it again."""

    def show_times(self, starts_at: datetime, ends_at: datetime) -> None:
        """Fill the date and time fields from UTC times, in local time as staff read them."""
        self.day.data = clock.local_date(starts_at)
        self.start.data = clock.local(starts_at).time()
        self.end.data = clock.local(ends_at).time()

    @property
    def starts_at(self) -> datetime | None:
        return local_to_utc(self.day.data, self.start.data)

    @property
    def ends_at(self) -> datetime | None:
        return local_to_utc(self.day.data, self.end.data)

    def validate_end(self, field) -> None:
        if self.start.data is not None and field.data is not None and field.data <= self.start.data:
            raise ValidationError(_l("The end must be after the start."))
