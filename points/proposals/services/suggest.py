"""集: a resident raises a matter (or staff enter one for them); the affected area they may name."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...accounts.models import Resident, Role
from ...accounts.permissions import require
from ...db import db, transaction, utcnow
from ...errors import NotAllowed
from ...ledger import services as ledger
from ...units.models import Level, Unit
from ..earning import SUGGESTION_SUBMITTED
from ..models import MAX_PHOTOS, Category, Proposal
from .errors import InvalidInput, text_field
from .settings import add_working_days, settings_for
from .machinery import S, record, store_photos


MAX_TITLE = 80
MAX_DESCRIPTION = 2000


@transaction
def submit_proposal(
    resident: Resident, *, title: str, description: str = "", category_id: int | None = None,
    unit_id: int | None = None, is_anonymous: bool = False, photo_files: list[bytes] | None = None,
    token: str, actor: Resident | None = None, now: datetime | None = None,
) -> Proposal:
    """A resident raises a matter, or staff enter one for a resident without a phone (who is credited).
    The same form token makes one suggestion, however often it is sent."""
    now = now or utcnow()
    actor = actor or resident
    if actor.id != resident.id:
        require(actor, Role.STAFF, resident.community)
    token = (token or "").strip()
    if not token or len(token) > 64:
        raise InvalidInput(code="invalid_token")
    db.session.execute(select(Resident.id).where(Resident.id == resident.id).with_for_update())
    replay = db.session.scalar(select(Proposal).where(Proposal.proposer_id == resident.id, Proposal.submit_token == token))
    if replay is not None:
        return replay
    if not resident.is_active_account:
        raise NotAllowed(_l("This account is not active."), code="inactive_resident")
    title = text_field(title, field="title", max_length=MAX_TITLE, required=True)
    description = text_field(description, field="description", max_length=MAX_DESCRIPTION)
    category = _category(resident.community_id, category_id)
    unit = _affected_unit(resident, unit_id)
    files = [f for f in (photo_files or []) if f]
    if len(files) > MAX_PHOTOS:
        raise InvalidInput(_l("Up to %(n)d photos.", n=MAX_PHOTOS), code="too_many_photos", field="photos")
    tokens = store_photos(files)
    settings = settings_for(resident.community_id)
    proposal = Proposal(
        community_id=resident.community_id, unit_id=unit.id, proposer_id=resident.id, entered_by_id=actor.id,
        submit_token=token, category_id=category.id if category else None, title=title, description=description,
        is_anonymous=bool(is_anonymous), photos=" ".join(tokens), state=S.SUBMITTED.value, submitted_at=now,
        screening_due_at=add_working_days(now, settings.screening_days, community_id=resident.community_id),
        state_changed_at=now,
    )
    db.session.add(proposal)
    db.session.flush()
    record(proposal, None, S.SUBMITTED, actor=actor, note="", now=now)
    ledger.award(resident, SUGGESTION_SUBMITTED, key=f"proposal:{proposal.id}:submitted", cause=("proposal", proposal.id),
                 memo=title, actor=actor, now=now)
    return proposal


def _category(community_id: int, category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = db.session.get(Category, category_id)
    if category is None or category.community_id != community_id or not category.is_active:
        raise InvalidInput(_l("Choose one of the listed categories."), code="invalid_category", field="category")
    return category


def affected_units(resident: Resident) -> list[Unit]:
    """What a resident may name as the affected area: their building, its compound, their community."""
    units, unit = [], resident.unit
    while unit is not None and unit.level != Level.STREET.value:
        units.append(unit)
        if unit.level == Level.COMMUNITY.value:
            break
        unit = unit.parent
    return units


def _affected_unit(resident: Resident, unit_id: int | None) -> Unit:
    choices = affected_units(resident)
    if unit_id is None:
        return choices[-1]
    for unit in choices:
        if unit.id == unit_id:
            return unit
    raise InvalidInput(_l("Choose your building, your compound or your community."), code="invalid_unit", field="unit")
