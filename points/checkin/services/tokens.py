"""Personal API tokens for scanner devices: shown once, stored as a SHA-256 hash, revoked by their owner."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...accounts.models import Resident
from ...accounts.permissions import is_staff_anywhere
from ...db import db, transaction, utcnow
from ...errors import NotAllowed
from ..models import ApiToken
from .errors import TokenError

TOKEN_PREFIX = "pts_"


def hash_token(plaintext: str) -> str:
    # The token carries 256 random bits, so a fast hash is enough: nothing to brute-force, unlike a password.
    return hashlib.sha256(plaintext.encode()).hexdigest()


@transaction
def create_api_token(owner: Resident, *, name: str, now: datetime | None = None) -> tuple[ApiToken, str]:
    """A token that acts as `owner`. Returns the row and the token itself, which is never shown again."""
    if not is_staff_anywhere(owner):
        raise NotAllowed()
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise TokenError(_l("Name the device, up to 60 characters."), code="invalid_name", field="name")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(resident_id=owner.id, name=name, token_hash=hash_token(plaintext), prefix=plaintext[:10],
                     created_at=now or utcnow())
    db.session.add(token)
    db.session.flush()
    return token, plaintext


@transaction
def revoke_api_token(token: ApiToken, *, owner: Resident, now: datetime | None = None) -> ApiToken:
    if token.resident_id != owner.id:
        raise NotAllowed()
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
    return token


def resident_for_token(plaintext: str) -> tuple[Resident, ApiToken] | None:
    if not plaintext or not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext)))
    if token is None or token.revoked_at is not None or not token.resident.is_active_account:
        return None
    return token.resident, token


def tokens_of(owner: Resident) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.resident_id == owner.id).order_by(ApiToken.id.desc())))
