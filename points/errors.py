"""Domain errors raised by services, and the HTTP error pages."""
from __future__ import annotations

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
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


RETRY_AFTER = 30  # seconds: a database restart, usually


def init_app(app: Flask) -> None:
    for status in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(status, _render_error)
    app.register_error_handler(CSRFError, _csrf_error)
    # The database cannot be reached (restarting, network, locked too long): a plain "try again", not a 500.
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)


def _database_unavailable(error: Exception):
    current_app.logger.warning("database unavailable: %s", error)
    try:
        from .db import db

        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the session is discarded at teardown anyway
        pass
    from .extensions import login_manager

    # The page must not need the database: nobody is loaded from the login cookie while it is down.
    g._login_user = login_manager.anonymous_user()
    message = str(_l("The service is busy for a moment. Please try again in a minute."))
    if request.path.startswith("/api/"):
        response = jsonify({"status": "error", "reason": "unavailable", "message": message})
    else:
        response = make_response(render_template("errors/error.html", status=503, message=message))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def _render_error(error: Exception):
    status = error.code if isinstance(error, HTTPException) and error.code else 500
    # A 405 names the methods that would work (RFC 9110 requires `Allow`).
    headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else {}
    if request.path.startswith("/api/"):
        return {"status": "error", "reason": f"http_{status}", "message": _message(status)}, status, headers
    return render_template("errors/error.html", status=status, message=_message(status)), status, headers


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
