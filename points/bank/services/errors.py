"""What the bank's services refuse with, each with a stable `code` and a message for people."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...errors import DomainError
from ..models import RedemptionState


class RewardInactive(DomainError):
    code = "reward_inactive"
    message = _l("This reward cannot be requested at the moment.")


class OutOfStock(DomainError):
    code = "out_of_stock"
    message = _l("Sorry, this reward has just run out.")


class LimitReached(DomainError):
    code = "limit_reached"
    message = _l("You have reached the limit for this reward.")


class WrongState(DomainError):
    """The redemption is not in a state that allows this step; the code names the state it is in."""

    code = "wrong_state"
    message = _l("This is no longer possible for this redemption.")


class PickupExpired(DomainError):
    code = "expired"
    message = _l("The pickup period for this redemption has ended.")


class InvalidInput(DomainError):
    code = "invalid_input"
    message = _l("Please check what you entered.")


class UnknownCode(DomainError):
    code = "unknown_code"
    message = _l("No redemption with this pickup code.")


WRONG_STATE_MESSAGES = {
    RedemptionState.APPROVED: _l("This redemption has already been approved."),
    RedemptionState.FULFILLED: _l("This reward has already been handed over."),
    RedemptionState.REJECTED: _l("This redemption was not approved; the points have been returned."),
    RedemptionState.CANCELLED: _l("This redemption was cancelled; the points have been returned."),
    RedemptionState.EXPIRED: _l("This redemption expired; the points have been returned."),
}



def text_field(value: str | None, *, field: str, max_length: int, required: bool = False, message=None) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(message or _l("This field is required."), code=f"{field}_required", field=field)
    if len(text) > max_length:
        raise InvalidInput(_l("At most %(n)d characters.", n=max_length), code=f"{field}_too_long", field=field)
    return text


def check_token(token: str | None) -> str:
    """The form's one-time token (a double tap sends it twice); it names a row, so it must be sane."""
    token = (token or "").strip()
    if not token or len(token) > 64:
        raise InvalidInput(code="invalid_token")
    return token
