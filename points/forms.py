"""Shared form helpers."""
from __future__ import annotations

from flask_wtf import FlaskForm

from .errors import DomainError


def apply_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's refusal next to the field it names, or above the form when it names none."""
    field = error.details.get("field")
    if isinstance(field, str) and field in form._fields:
        form._fields[field].errors = [*form._fields[field].errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))


MAX_ID = 2**31 - 1  # ids are 32-bit on every engine; a bigger number in a URL or form is simply not found


def db_id(value: object) -> int:
    """`coerce` for fields that carry a row id: a clear field error for junk instead of a database error."""
    number = int(value)  # ValueError/TypeError become WTForms' "not a valid choice"
    if not 0 <= number <= MAX_ID:
        raise ValueError("out of range")
    return number


def int_arg(args, name: str) -> int | None:
    """An optional id from the query string; anything that is not one is ignored."""
    value = args.get(name, type=int)
    return value if value is not None and 0 <= value <= MAX_ID else None
