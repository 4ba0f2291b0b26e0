"""Shared form helpers."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import IntegerField

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
