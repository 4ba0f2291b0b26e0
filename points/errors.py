"""Domain errors raised by services, and the HTTP error pages."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A rule said no. `code` is stable for machines and tests; `message` is for people (translatable)."""

    code = "error"
    message = _l("The request could not be completed.")

    def __init__(self, message: str | None = None, *, code: str | None = None, **details: object) -> None:
        if code is not None:
            self.code = code
        if message is not None:
            self.message = message
        self.details = details
        super().__init__(str(self.message))


class NotAllowed(DomainError):
    code = "not_allowed"
    message = _l("You are not allowed to do this.")


class NotFound(DomainError):
    code = "not_found"
    message = _l("Not found.")


def init_app(app: Flask) -> None:
    for status in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(status, _render_error)
    app.register_error_handler(CSRFError, _csrf_error)


def _render_error(error: Exception):
    status = error.code if isinstance(error, HTTPException) and error.code else 500
    if request.path.startswith("/api/"):
        return {"status": "error", "reason": f"http_{status}", "message": _message(status)}, status
    return render_template("errors/error.html", status=status, message=_message(status)), status


def _csrf_error(error: CSRFError):
    if request.path.startswith("/api/"):
        return {"status": "error", "reason": "csrf", "message": str(_l("The form expired. Please try again."))}, 400
    return (
        render_template("errors/error.html", status=400, message=_l("The form expired. Please go back, reload the page and try again.")),
        400,
    )


def _message(status: int) -> str:
    messages = {
        400: _l("The request was not understood."),
        403: _l("You do not have permission to see this page."),
        404: _l("This page does not exist."),
        405: _l("This action is not possible here."),
        413: _l("The file is too large."),
        429: _l("Too many attempts. Please wait a moment and try again."),
        500: _l("Something went wrong on our side. Please try again; staff have been told."),
    }
    return str(messages.get(status, messages[500]))
