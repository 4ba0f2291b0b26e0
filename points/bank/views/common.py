"""The bank's blueprint, and how resident pages load their own objects (staff pages use `accounts.permissions`)."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from .. import services
from ..models import Redemption, Reward

bp = Blueprint("bank", __name__, url_prefix="/bank")


# ------------------------------------------------------------------ loading and access


def own_reward(reward_id: int) -> Reward:
    """A reward of the current resident's own bank; anyone else's is a 404."""
    reward = services.get_reward(reward_id)
    if reward is None or reward.community_id != current_user.community_id:
        abort(404)
    return reward


def own_redemption(redemption_id: int) -> Redemption:
    redemption = services.get_redemption(redemption_id)
    if redemption is None or redemption.resident_id != current_user.id:
        abort(404)
    return redemption


@bp.before_request
def _access():
    if not current_user.is_authenticated:
        if request.endpoint == "bank.photo":
            abort(404)
        return redirect(url_for("accounts.login", next=request.full_path))
    return None


def add_error(field, message: str) -> None:
    """A message beside a field (its errors are a tuple until the form has been validated)."""
    field.errors = [*field.errors, message]
