"""Domain events: the one list of what a service announces to other domains, and the two kinds of receivers.

Sending: a service sends right after the write that justifies it, inside its transaction, and never on a replay
(an idempotent call that wrote nothing announces nothing):

    events.points_awarded.send("ledger", transaction=tx, resident=resident, actor=actor, now=now)

The sender is always the name of the sending domain ("accounts", "ledger", "checkin", "bank", "proposals"); everything else
is a keyword argument: the objects concerned, `actor` (the person who acted, or `permissions.SYSTEM` for the command line and jobs) and
`now` (the aware UTC moment the service wrote).

Receiving, `receiver(sender, **payload)`, in one of two kinds:

- `@in_transaction(signal)` runs at once, inside the sender's transaction: what it writes commits or rolls back
  with the event (a badge with the award that earns it); its exception rolls the whole service call back.
- `@after_commit(signal)` is queued and runs once the outermost service has committed (a notice to a resident);
  it is dropped if the transaction, or the savepoint of the nested service that sent the event, rolls back. Its
  exception is logged, not raised: the user's action has already succeeded.

Receivers are code, not configuration: a domain declares them at module level in its `receivers.py`, which its
`init_app` imports, so each connects once per process (blinker's signals are process-wide, like Flask's own) and
every app in the process hears the same ones. Tests connect a receiver for one block with `connected(...)`, which
disconnects it at the end, so no test's receiver reaches the next test.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from blinker import Namespace, NamedSignal

from .db import on_commit, transaction

Receiver = Callable[..., Any]
Kind = Callable[[NamedSignal], Callable[[Receiver], Receiver]]  # in_transaction or after_commit

_events = Namespace()


def _event(name: str, doc: str) -> NamedSignal:
    return _events.signal(name, doc=doc)


# units
unit_created = _event("unit_created", "units: unit (new, with its path), now")

# accounts
resident_registered = _event("resident_registered", "accounts: resident, actor (the resident, or staff), now")
resident_confirmed = _event("resident_confirmed", "accounts: resident (now confirmed: their points may be credited), actor (staff), now")
policy_changed = _event("policy_changed", "accounts: policy (CommunityPolicy), changes [(field, old, new)], actor, now")
role_granted = _event("role_granted", "accounts: grant, resident, unit, actor (SYSTEM from the command line), now")
role_revoked = _event("role_revoked", "accounts: grant (deleted), resident, unit, actor, now")
reset_code_issued = _event("reset_code_issued", "accounts: reset_code (hash only), resident, actor (the staff member at the desk), now")
password_reset = _event("password_reset", "accounts: reset_code (used), resident, actor (the resident), now")

# ledger
points_awarded = _event("points_awarded", "ledger: transaction (award or manual award), resident, points, actor, now; "
                        "awards_of_action (a rule's award of an action a domain counts: its standing awards, this one included)")
award_refused = _event("award_refused", "ledger: refusal (RefusedAward, capped or disabled), resident, actor, now")
points_reversed = _event("points_reversed", "ledger: transaction (the reversal), original, resident, actor, now")

# checkin
checked_in = _event("checked_in", "checkin: checkin, meeting, resident, transaction (None if no points), actor, now")
checkin_undone = _event("checkin_undone", "checkin: undo, checkin, meeting (None for an activity's check-in), resident, actor, now")
checked_out = _event("checked_out", "checkin: checkout (the log row), checkin (the one it closes), target, resident, actor, now")
meeting_scheduled = _event("meeting_scheduled", "checkin: meeting, actor, now")
meeting_cancelled = _event("meeting_cancelled", "checkin: meeting, actor, now")
meeting_closed = _event("meeting_closed", "checkin: meeting, actor, now")
meeting_invitee_added = _event("meeting_invitee_added", "checkin: meeting, invitee (named after scheduling), actor, now")
vote_closed = _event("vote_closed", "checkin: vote (counted), meeting, actor, now")

# bank
redemption_requested = _event("redemption_requested", "bank: redemption, resident, actor, now")
redemption_approved = _event("redemption_approved", "bank: redemption, actor, now")
redemption_rejected = _event("redemption_rejected", "bank: redemption, actor, now")
redemption_cancelled = _event("redemption_cancelled", "bank: redemption, actor, now")
redemption_handed_over = _event("redemption_handed_over", "bank: redemption (fulfilled, points settled), actor, now")
redemption_handover_undone = _event(
    "redemption_handover_undone", "bank: redemption (ready to collect again, points held again), actor, reason, now")
redemption_expired = _event("redemption_expired", "bank: redemption, actor (SYSTEM for the expiry job), now")

# volunteering
volunteer_registered = _event("volunteer_registered", "volunteering: volunteer, resident, actor (the resident, or staff), now")
activity_scheduled = _event("activity_scheduled", "volunteering: activity, actor, now")
activity_cancelled = _event("activity_cancelled", "volunteering: activity, enrollments (the sign-ups to tell), actor, now")
volunteer_signed_up = _event("volunteer_signed_up", "volunteering: enrollment, activity, resident, actor, now")
sign_up_cancelled = _event("sign_up_cancelled", "volunteering: enrollment, activity, resident, actor, now")
service_recorded = _event("service_recorded", "volunteering: record (from a check-out, the close job or staff), activity, resident, actor, now")
service_confirmed = _event("service_confirmed", "volunteering: record, resident, minutes, points, is_correction, actor, now")
# proposals: one event per move of a case (payload: proposal, transition, actor, now), and the steps that are not moves
proposal_submitted = _event("proposal_submitted", "proposals: proposal, transition, actor (the resident or staff for them), now")
proposal_accepted = _event("proposal_accepted", "proposals: proposal, transition, actor (staff or council), now")
proposal_rejected = _event("proposal_rejected", "proposals: proposal, transition (note: the reason), actor, now")
proposal_merged = _event("proposal_merged", "proposals: proposal (merged_into set), transition, actor, now")
proposal_scheduled = _event("proposal_scheduled", "proposals: proposal, transition (its first meeting), actor, now")
proposal_decided = _event("proposal_decided", "proposals: proposal (counts, is_passed), transition, actor, now")
proposal_published = _event("proposal_published", "proposals: proposal (objection_until), transition, actor, now")
proposal_implementing = _event("proposal_implementing", "proposals: proposal (notice closed, passed), transition, actor, now")
proposal_done = _event("proposal_done", "proposals: proposal (rating_until), transition, actor, now")
proposal_disputed = _event("proposal_disputed", "proposals: proposal (back to implementing), transition, actor, now")
proposal_confirmed = _event("proposal_confirmed", "proposals: proposal (销号), transition, actor (the proposer), now")
proposal_archived = _event("proposal_archived", "proposals: proposal, transition, actor (SYSTEM for the job), now")
objection_raised = _event("objection_raised", "proposals: objection, proposal, actor (the resident), now")
objection_answered = _event("objection_answered", "proposals: objection, proposal, actor (staff), now")
proposal_owner_set = _event("proposal_owner_set", "proposals: proposal (owner_kind, owner_id: 党员领办 if claimed), actor, now")
proposal_progress = _event("proposal_progress", "proposals: proposal, update, actor, now")
proposal_rated = _event("proposal_rated", "proposals: proposal, rating, actor (the resident), now")

ALL: tuple[NamedSignal, ...] = tuple(_events.values())

# What is actually connected for each (signal, receiver): the receiver itself, or its queueing wrapper.
_connected: dict[tuple[str, Receiver], Receiver] = {}


def in_transaction(signal: NamedSignal) -> Callable[[Receiver], Receiver]:
    """Connect a receiver that runs inside the sender's transaction (see the module's docstring)."""

    def connect(receiver: Receiver) -> Receiver:
        if (signal.name, receiver) not in _connected:
            signal.connect(receiver, weak=False)
            _connected[(signal.name, receiver)] = receiver
        return receiver

    return connect


def after_commit(signal: NamedSignal) -> Callable[[Receiver], Receiver]:
    """Connect a receiver that runs after the outermost commit, never on rollback (see the module's docstring)."""

    def connect(receiver: Receiver) -> Receiver:
        if (signal.name, receiver) not in _connected:

            def queue(sender: Any, **payload: Any) -> None:
                # Its own transaction: what it writes (a notice in the inbox) commits, or rolls back alone.
                on_commit(functools.partial(transaction(receiver), sender, **payload))

            signal.connect(queue, weak=False)
            _connected[(signal.name, receiver)] = queue
        return receiver

    return connect


def disconnect(signal: NamedSignal, receiver: Receiver) -> None:
    connected = _connected.pop((signal.name, receiver), None)
    if connected is not None:
        signal.disconnect(connected)


@contextmanager
def connected(signal: NamedSignal, receiver: Receiver, *, kind: Kind = in_transaction) -> Iterator[Receiver]:
    """Connect `receiver` as `kind` (`in_transaction` or `after_commit`) for the block only."""
    if (signal.name, receiver) in _connected:
        raise ValueError(f"{receiver!r} is already connected to {signal.name}")
    kind(signal)(receiver)
    try:
        yield receiver
    finally:
        disconnect(signal, receiver)
