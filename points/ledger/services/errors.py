"""The ledger's refusals, each with a stable code."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...errors import DomainError


class InsufficientPoints(DomainError):
    code = "insufficient_points"
    message = _l("Not enough points.")


class AlreadyReversed(DomainError):
    code = "already_reversed"
    message = _l("This entry has already been reversed.")


class NotReversible(DomainError):
    code = "not_reversible"
    message = _l("This entry cannot be reversed.")


class KeyReused(DomainError):
    code = "key_reused"
    message = _l("This was already recorded differently. Please reload the page and check before trying again.")


class NotAHold(DomainError):
    code = "not_a_hold"
    message = _l("Only held points can be settled or returned.")


class HoldClosed(DomainError):
    code = "hold_closed"
    message = _l("These held points were already settled or returned.")


class InvalidAmount(DomainError):
    code = "invalid_amount"
    message = _l("The number of points must be a whole number greater than zero.")


class ReasonRequired(DomainError):
    code = "reason_required"
    message = _l("Please give a reason.")


class InvalidRule(DomainError):
    code = "invalid_rule"
    message = _l("Points and caps must be whole numbers, zero or more.")


class AwardDecided(DomainError):
    code = "already_decided"
    message = _l("This award has already been confirmed or turned down.")
