"""The bank's blueprint, and how its pages load objects and check who may see them."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from ...accounts.models import Role
from ...accounts.permissions import communities_for, has_role, is_staff_anywhere
from ...units.models import Unit
from ...units.services import get_unit
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


def managed_community(community_id: int | None) -> Unit:
    """The community a staff page works on: the one asked for if the user is staff there, else their first."""
    communities = communities_for(current_user)
    if not communities:
        abort(404)
    if community_id is None:
        return communities[0]
    for community in communities:
        if community.id == community_id:
            return community
    abort(404)


def managed(obj):
    """Any bank object of a community the user is staff of; staff of another community get a 404."""
    if obj is None or not has_role(current_user, Role.STAFF, get_unit(obj.community_id)):
        abort(404)
    return obj


@bp.before_request
def _access():
    if not current_user.is_authenticated:
        if request.endpoint == "bank.photo":
            abort(404)
        return redirect(url_for("accounts.login", next=request.full_path))
    if request.endpoint and request.endpoint.startswith("bank.staff") and not is_staff_anywhere(current_user):
        abort(403)
    return None


def add_error(field, message: str) -> None:
    """A message beside a field (its errors are a tuple until the form has been validated)."""
    field.errors = [*field.errors, message]
