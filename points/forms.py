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
