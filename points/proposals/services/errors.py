"""What the proposal services refuse with, each with a stable `code` and a message for people."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...errors import DomainError


class WrongStage(DomainError):
    """The case is not at a stage that allows this step; `code` is `already_<state>` or names the step."""

    code = "wrong_stage"
    message = _l("This is not possible at the case's current stage.")


class InvalidInput(DomainError):
    code = "invalid_input"
    message = _l("Please check what you entered.")


class NotInUnit(DomainError):
    code = "not_in_unit"
    message = _l("Only residents of the affected area can do this.")


class AlreadyDone(DomainError):
    code = "already_done"
    message = _l("You have already done this.")


class PeriodOver(DomainError):
    code = "period_over"
    message = _l("The period for this has ended.")


class PeriodNotOver(DomainError):
    code = "period_not_over"
    message = _l("The period for this has not ended yet.")


def text_field(value: str | None, *, field: str, max_length: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(_l("This field is required."), code=f"{field}_required", field=field)
    if len(text) > max_length:
        raise InvalidInput(_l("At most %(n)d characters.", n=max_length), code=f"{field}_too_long", field=field)
    return text
