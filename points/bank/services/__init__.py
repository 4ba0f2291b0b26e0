"""Bank services: what a resident may have (offer), the catalogue, partners and donations (catalogue), and the
two-phase redemption (redemptions); their refusals (errors).

Every function that writes is one transaction (`@transaction`); views call exactly one of them.
"""
from .catalogue import (
    MAX_DONATION, MAX_PRICE, BankSettings, DonorLine, RewardDetails, bank_for, create_partner, create_reward,
    donations_of, get_partner, get_reward, held_units, honour_list, partners_of, record_donation, rewards_of,
    save_bank_settings, update_partner, update_reward,
)
from .errors import InvalidInput, LimitReached, OutOfStock, PickupExpired, RewardInactive, UnknownCode, WrongState
from .hours import OpeningHours, pickup_deadline
from .handover import UndoWindowClosed, can_undo_handover, recently_handed_over, undo_deadline, undo_handover
from .offer import CatalogueEntry, catalogue, is_available, period_start, remaining_limit
from .redemptions import (
    PICKUP_CODE_LENGTH, ResidentGlance, approve_redemption, cancel_redemption, count_in, expire_due,
    expire_redemption, fulfil_redemption, get_redemption, glance, normalise_pickup_code, redemption_by_pickup_code,
    redemptions_in, redemptions_of, reject_redemption, request_redemption,
)

__all__ = [
    "MAX_DONATION", "MAX_PRICE", "BankSettings", "DonorLine", "RewardDetails", "bank_for", "create_partner",
    "create_reward", "donations_of", "get_partner", "get_reward", "held_units", "honour_list", "partners_of",
    "record_donation", "rewards_of", "save_bank_settings", "update_partner", "update_reward",
    "InvalidInput", "LimitReached", "OutOfStock", "PickupExpired", "RewardInactive", "UnknownCode", "WrongState",
    "OpeningHours", "pickup_deadline", "UndoWindowClosed", "can_undo_handover", "recently_handed_over", "undo_deadline", "undo_handover",
    "CatalogueEntry", "catalogue", "is_available", "period_start", "remaining_limit",
    "PICKUP_CODE_LENGTH", "ResidentGlance", "approve_redemption", "cancel_redemption", "count_in", "expire_due",
    "expire_redemption", "fulfil_redemption", "get_redemption", "glance", "normalise_pickup_code",
    "redemption_by_pickup_code", "redemptions_in", "redemptions_of", "reject_redemption", "request_redemption",
]
