"""The resident's inbox (消息): `notify` is the one way anything tells a resident something, so SMS or WeChat can be
added behind it later (a channel per resident) without touching the senders."""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update

from ...accounts.models import Resident
from ...db import db, transaction, utcnow
from ...errors import NotFound
from ..models import Notification

# kind → the sentence, worded when shown; %(subject)s is the case title or the reward's name.
MESSAGES = {
    "proposal_accepted": _l("Your suggestion “%(subject)s” was accepted as a topic."),
    "proposal_rejected": _l("Your suggestion “%(subject)s” was not taken up; see the reason."),
    "proposal_merged": _l("Your suggestion “%(subject)s” was merged into a topic; you are a co-proposer."),
    "proposal_published": _l("The decision on “%(subject)s” is published for objections."),
    "proposal_moved": _l("“%(subject)s”, which you follow, moved on."),
    "objection_answered": _l("Your objection to “%(subject)s” was answered."),
    "proposal_done": _l("“%(subject)s” is done: please rate it and confirm."),
    "redemption_approved": _l("Your redemption of “%(subject)s” is approved: ready to collect."),
    "redemption_rejected": _l("Your redemption of “%(subject)s” was not approved; the points are back."),
    "redemption_handed_over": _l("You collected “%(subject)s”."),
    # a hand-over taken back at the desk: the earlier "you collected" notice stays, this one corrects it
    "redemption_handover_undone": _l("The hand-over of “%(subject)s” was taken back: it is still reserved for you to "
                                     "collect."),
    "redemption_expired": _l("Your redemption of “%(subject)s” expired; the points are back."),
    "meeting_invited": _l("You are invited to the deliberation meeting “%(subject)s”."),
    "activity_cancelled": _l("The volunteer activity “%(subject)s” you signed up for is cancelled."),
}
MAX_SUBJECT = 120


# "kind:id" → (endpoint, argument): links are made when shown, so a job without a request can notify.
TARGETS = {"proposal": ("proposals.case", "proposal_id"), "redemption": ("bank.redemption", "redemption_id"),
           "activity": ("volunteering.activity", "activity_id"), "meeting": ("checkin.meeting", "meeting_id")}


def link_of(notification: Notification) -> str | None:
    kind, _, ident = notification.target.partition(":")
    if kind not in TARGETS or not ident.isdigit():
        return None
    endpoint, argument = TARGETS[kind]
    return url_for(endpoint, **{argument: int(ident)})


def wording(notification: Notification) -> str:
    message = MESSAGES.get(notification.kind)
    return str(message) % {"subject": notification.subject} if message is not None else notification.subject


@transaction
def notify(resident: Resident, kind: str, *, subject: str = "", target: str = "",
           now: datetime | None = None) -> Notification:
    """Tell a resident something: today into the inbox; tomorrow also by the channels they choose."""
    if kind not in MESSAGES:
        raise ValueError(f"unknown notification kind {kind!r}")
    row = Notification(resident_id=resident.id, kind=kind, subject=(subject or "")[:MAX_SUBJECT], target=target[:40],
                       created_at=now or utcnow())
    db.session.add(row)
    db.session.flush()
    return row


@transaction
def notify_many(resident_ids: list[int], kind: str, *, subject: str = "", target: str = "",
                now: datetime | None = None) -> int:
    """Tell many residents the same thing (everyone a meeting invites, a whole community perhaps): `notify` for
    each, written in one statement. Returns how many were told."""
    if kind not in MESSAGES:
        raise ValueError(f"unknown notification kind {kind!r}")
    ids = sorted(set(resident_ids))
    if ids:
        at = now or utcnow()
        db.session.execute(insert(Notification), [
            dict(resident_id=i, kind=kind, subject=(subject or "")[:MAX_SUBJECT], target=target[:40], created_at=at)
            for i in ids])
    return len(ids)


def inbox_of(resident: Resident, *, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.resident_id == resident.id)
                                   .order_by(Notification.id.desc()).limit(limit)))


def unread_count(resident: Resident) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.resident_id == resident.id, Notification.read_at.is_(None))) or 0


@transaction
def open_notification(notification_id: int, *, resident: Resident, now: datetime | None = None) -> Notification:
    """The resident opens one of their messages: it is read from now on. Another's message does not exist."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.resident_id != resident.id:
        raise NotFound()
    if row.read_at is None:
        row.read_at = now or utcnow()
        db.session.flush()
    return row


@transaction
def mark_all_read(resident: Resident, *, now: datetime | None = None) -> int:
    result = db.session.execute(update(Notification).where(
        Notification.resident_id == resident.id, Notification.read_at.is_(None)).values(read_at=now or utcnow()))
    return result.rowcount
