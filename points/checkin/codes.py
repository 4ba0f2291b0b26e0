"""What a QR code says: the rotating kiosk code (HMAC over a 20-second slot) and the parsing of scanned text.

A kiosk code reads `<ref>.<slot>.<mac>` and travels as the `k` parameter of the venue's address, so
one scan opens the venue page with the code. The slot in use and the one before it are accepted (one slot of
grace for the seconds between the camera and the server); older slots are expired, later ones invalid. The ref
is the meeting's id, or a registered kind's prefix and id for other things one checks into ("a7": activity 7).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from ..accounts.models import MEMBER_QR_PREFIX, normalise_member_code

SLOT_SECONDS = 20
GRACE_SLOTS = 1
MAC_LENGTH = 16  # base32 characters: 80 bits, far beyond guessing within one slot

_KIOSK_CODE = re.compile(r"^([a-z]?)(\d{1,10})\.(\d{1,12})\.([a-z2-7]{%d})$" % MAC_LENGTH)
_VENUE_PATH = re.compile(r"^/v/([A-Za-z0-9_-]{8,32})/?$")


def new_secret() -> str:
    return secrets.token_hex(32)


def new_token() -> str:
    return secrets.token_urlsafe(18)  # 24 characters


def slot_at(moment: datetime) -> int:
    return int(moment.timestamp()) // SLOT_SECONDS


def seconds_left_in_slot(moment: datetime) -> float:
    return SLOT_SECONDS - (moment.timestamp() % SLOT_SECONDS)


def _mac(secret: str, ref: int | str, slot: int) -> str:
    digest = hmac.new(secret.encode(), f"{ref}.{slot}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:MAC_LENGTH]


def kiosk_code(ref: int | str, secret: str, slot: int) -> str:
    return f"{ref}.{slot}.{_mac(secret, ref, slot)}"


@dataclass(frozen=True)
class KioskCode:
    meeting_id: int  # the id of the thing (a meeting unless `kind` names a registered kind)
    slot: int
    mac: str
    kind: str = ""  # "" for a meeting, else a registered kind's prefix ("a": a volunteer activity)

    @property
    def ref(self) -> str:
        return f"{self.kind}{self.meeting_id}"


def parse_kiosk_code(text: str) -> KioskCode | None:
    match = _KIOSK_CODE.match((text or "").strip())
    if match is None:
        return None
    return KioskCode(int(match.group(2)), int(match.group(3)), match.group(4), match.group(1))


class SlotCheck:
    OK = "ok"
    EXPIRED = "expired"
    INVALID = "invalid"


def check_slot(code: KioskCode, secret: str, moment: datetime) -> str:
    """OK for the current slot or the one before it; EXPIRED for older; INVALID for a forged or future code."""
    if not hmac.compare_digest(code.mac, _mac(secret, code.ref, code.slot)):
        return SlotCheck.INVALID
    current = slot_at(moment)
    if code.slot > current:
        return SlotCheck.INVALID
    if code.slot < current - GRACE_SLOTS:
        return SlotCheck.EXPIRED
    return SlotCheck.OK


@dataclass(frozen=True)
class Scanned:
    """What a scanned or typed text turned out to be."""

    kind: str  # "member", "venue" or "unknown"
    member_code: str = ""
    venue_token: str = ""
    kiosk: str = ""


def parse_scanned(raw: str) -> Scanned:
    """A member code ("POINTS:M:…" or typed), or a venue address (poster or kiosk), or nothing we know."""
    text = (raw or "").strip()
    if not text:
        return Scanned("unknown")
    if "/v/" in text:
        parts = urlsplit(text)
        match = _VENUE_PATH.match(parts.path)
        if match:
            kiosk = parse_qs(parts.query).get("k", [""])[0]
            return Scanned("venue", venue_token=match.group(1), kiosk=kiosk)
        return Scanned("unknown")
    if text.upper().startswith(MEMBER_QR_PREFIX) or re.fullmatch(r"[A-Za-z0-9 -]{4,24}", text):
        code = normalise_member_code(text)
        if code:
            return Scanned("member", member_code=code)
    return Scanned("unknown")
