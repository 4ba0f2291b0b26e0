"""Domain events: each real action sends its event once with its payload, a replay sends nothing, and the two
kinds of receivers run inside the transaction or after its commit."""
from __future__ import annotations

import logging
from contextlib import ExitStack
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from points import events
from points.accounts import services as accounts
from points.accounts.models import Role
from points.bank import services as bank_services
from points.bank.models import Redemption, RedemptionState
from points.checkin import services as checkin
from points.db import db, on_commit, transaction
from points.ledger import services as ledger
from points.accounts.permissions import SYSTEM
from points.ledger.models import Transaction

from .bank.conftest import NOON, BankWorld
from .checkin.conftest import START, Scene
from .ledger.actions import MEETING_ATTENDED, SUGGESTION


class Heard:
    """Every event sent while the fixture is active, in order: (event name, sender, payload)."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str, dict]] = []

    def receiver(self, name: str):
        def hear(sender, **payload):
            self.log.append((name, sender, payload))

        return hear

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self.log]

    def only(self, name: str) -> dict:
        """The payload of the one event of this name (and assert there was exactly one)."""
        payloads = [payload for heard, _, payload in self.log if heard == name]
        assert len(payloads) == 1, f"{name} sent {len(payloads)} times: {self.names}"
        return payloads[0]

    def clear(self) -> None:
        self.log.clear()


@pytest.fixture
def heard(ctx):
    """Records every event; on teardown, checks that the test left no receiver connected."""
    before = {signal.name: set(signal.receivers) for signal in events.ALL}
    recorder = Heard()
    with ExitStack() as stack:
        for signal in events.ALL:
            stack.enter_context(events.connected(signal, recorder.receiver(signal.name)))
        yield recorder
    assert {signal.name: set(signal.receivers) for signal in events.ALL} == before


@pytest.fixture
def scene(make) -> Scene:
    return Scene(make)


@pytest.fixture
def bank(make) -> BankWorld:
    return BankWorld(make)


class Boom(Exception):
    pass


def boom(sender, **payload):
    raise Boom()


def test_every_event_is_documented():
    assert len(events.ALL) >= 18
    for signal in events.ALL:
        assert signal.__doc__ and signal.__doc__.split(":")[0] in {
            "units", "accounts", "ledger", "checkin", "bank", "volunteering", "proposals"}


# ---------------------------------------------------------------------------------------------------------
# units


def test_a_new_unit_is_announced_once_and_an_existing_one_not_again(make, heard):
    from points.units.models import Level
    from points.units.services import create_unit

    community = make.community()
    heard.clear()
    compound = create_unit("三号院", Level.COMPOUND, parent=community)
    payload = heard.only("unit_created")
    assert payload["unit"] is compound and payload["unit"].path.endswith(f"/{compound.id}/") and payload["now"].tzinfo
    heard.clear()
    assert create_unit("三号院", Level.COMPOUND, parent=community) is compound
    assert "unit_created" not in heard.names


# ---------------------------------------------------------------------------------------------------------
# accounts


def test_registering_is_announced_once(make, heard):
    community = make.community()
    resident = make.resident(community)
    payload = heard.only("resident_registered")
    assert payload["resident"] is resident and payload["actor"] is resident and payload["now"].tzinfo


def test_staff_registering_a_resident_are_the_actor(make, heard):
    community = make.community()
    staff = make.staff(community)
    heard.clear()
    resident = accounts.create_resident(staff=staff, name="李大爷", unit=make.building(community))
    payload = heard.only("resident_registered")
    assert payload["resident"] is resident and payload["actor"] is staff


def test_granting_a_role_is_announced_and_granting_it_again_is_not(make, heard):
    community = make.community()
    admin = make.admin()
    resident = make.resident(community)
    heard.clear()
    grant = accounts.grant_role(resident, Role.COUNCIL, community, admin=admin)
    accounts.grant_role(resident, Role.COUNCIL, community, admin=admin)
    payload = heard.only("role_granted")
    assert (payload["grant"], payload["resident"], payload["unit"], payload["actor"]) == (grant, resident, community, admin)
    assert heard.names == ["role_granted"]


def test_revoking_a_role_is_announced(make, heard):
    community = make.community()
    admin = make.admin()
    staff = make.staff(community)
    grant = next(g for g in staff.grants if g.role == Role.STAFF)
    heard.clear()
    accounts.revoke_role(grant, admin=admin)
    payload = heard.only("role_revoked")
    assert (payload["grant"], payload["resident"], payload["unit"], payload["actor"]) == (grant, staff, community, admin)


# ---------------------------------------------------------------------------------------------------------
# ledger


def test_a_rule_award_is_announced_once_and_its_replay_not_at_all(make, heard):
    resident = make.resident()
    heard.clear()
    outcome = ledger.award(resident, MEETING_ATTENDED, key="k1", cause=("test", 1), now=NOON)
    ledger.award(resident, MEETING_ATTENDED, key="k1", cause=("test", 1), now=NOON)
    assert heard.names == ["points_awarded"]
    assert heard.only("points_awarded") == {
        "transaction": outcome.transaction, "resident": resident, "points": 10, "actor": None, "now": NOON,
        "awards_of_action": 1,  # standing counts this action (badges): the ledger read the count under its lock
    }
    assert heard.log[0][1] == "ledger"


def test_a_capped_award_is_announced_as_refused_once(make, heard):
    resident = make.resident()
    for i in range(3):
        ledger.award(resident, SUGGESTION, key=f"s{i}", cause=("test", i), now=NOON)
    heard.clear()
    refused = ledger.award(resident, SUGGESTION, key="s3", cause=("test", 3), now=NOON)
    ledger.award(resident, SUGGESTION, key="s3", cause=("test", 3), now=NOON)
    assert heard.names == ["award_refused"]
    payload = heard.only("award_refused")
    assert payload["refusal"] is refused.refusal and payload["refusal"].reason_code == "daily_cap"
    assert payload["resident"] is resident


def test_a_manual_award_is_announced_once_and_its_replay_not_at_all(make, heard):
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    heard.clear()
    tx = ledger.award_manually(resident, 25, staff=staff, reason="扫雪", key="m1", now=NOON)
    ledger.award_manually(resident, 25, staff=staff, reason="扫雪", key="m1", now=NOON)
    assert heard.names == ["points_awarded"]
    assert heard.only("points_awarded") == {"transaction": tx, "resident": resident, "points": 25, "actor": staff, "now": NOON}


def test_a_reversal_is_announced(make, heard):
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    tx = ledger.award_manually(resident, 25, staff=staff, reason="扫雪", key="m1", now=NOON)
    other = make.staff(community)
    heard.clear()
    reversal = ledger.reverse(tx, actor=other, reason="记错了", now=NOON)
    assert heard.only("points_reversed") == {
        "transaction": reversal, "original": tx, "resident": resident, "actor": other, "now": NOON,
    }


# ---------------------------------------------------------------------------------------------------------
# checkin


def test_a_check_in_is_announced_with_its_award_and_a_repeat_scan_is_not(scene, heard):
    meeting = scene.meeting()
    heard.clear()
    outcome = scene.desk(meeting, resident=scene.resident)
    again = scene.desk(meeting, resident=scene.resident, at=START + timedelta(minutes=1))
    assert again.reason == "already_checked_in"
    assert heard.names == ["points_awarded", "checked_in"]
    payload = heard.only("checked_in")
    assert payload["checkin"] is outcome.checkin and payload["meeting"] is meeting
    assert payload["resident"] is scene.resident and payload["actor"] is scene.staff and payload["now"] == START
    assert payload["transaction"] is heard.only("points_awarded")["transaction"]


def test_a_replayed_nonce_is_not_announced_again(scene, heard):
    meeting = scene.meeting()
    heard.clear()
    scene.desk(meeting, resident=scene.resident, nonce="n1")
    scene.desk(meeting, resident=scene.resident, nonce="n1")
    assert heard.names == ["points_awarded", "checked_in"]


def test_an_undo_is_announced_with_its_reversal(scene, heard):
    meeting = scene.meeting()
    row = scene.desk(meeting, resident=scene.resident).checkin
    heard.clear()
    undo = checkin.undo_checkin(row, staff=scene.staff, reason="认错人了", now=START + timedelta(minutes=5))
    assert heard.names == ["points_reversed", "checkin_undone"]
    payload = heard.only("checkin_undone")
    assert (payload["undo"], payload["checkin"], payload["meeting"], payload["resident"], payload["actor"]) == (
        undo, row, meeting, scene.resident, scene.staff)


def test_scheduling_and_cancelling_a_meeting_are_announced(scene, heard):
    heard.clear()
    meeting = scene.meeting()
    checkin.cancel_meeting(meeting, staff=scene.staff, reason="暴雨", now=START - timedelta(days=1))
    assert heard.names == ["meeting_scheduled", "meeting_cancelled"]
    assert heard.only("meeting_scheduled")["meeting"] is meeting
    assert heard.only("meeting_cancelled") == {"meeting": meeting, "actor": scene.staff, "now": START - timedelta(days=1)}


def test_closing_a_meeting_closes_its_open_votes_and_announces_each(scene, heard):
    meeting = scene.meeting()
    vote = checkin.open_vote(meeting, staff=scene.staff, question="装不装路灯?", now=START)
    heard.clear()
    closed_at = START + timedelta(hours=2)
    checkin.close_meeting(meeting, staff=scene.staff, minutes="", headcount=3, now=closed_at)
    assert heard.names == ["vote_closed", "meeting_closed"]
    assert heard.only("vote_closed") == {"vote": vote, "meeting": meeting, "actor": scene.staff, "now": closed_at}
    assert heard.only("meeting_closed") == {"meeting": meeting, "actor": scene.staff, "now": closed_at}


def test_closing_a_vote_or_recording_hands_is_announced(scene, heard):
    meeting = scene.meeting()
    vote = checkin.open_vote(meeting, staff=scene.staff, question="装不装路灯?", now=START)
    heard.clear()
    checkin.close_vote(vote, staff=scene.staff, now=START + timedelta(minutes=9))
    hands = checkin.record_show_of_hands(meeting, staff=scene.staff, question="几点开工?", yes=5, no=1, abstain=0, now=START)
    assert [payload["vote"] for name, _, payload in heard.log] == [vote, hands]
    assert heard.names == ["vote_closed", "vote_closed"]


# ---------------------------------------------------------------------------------------------------------
# bank


def test_each_step_of_a_redemption_is_announced_once(bank, heard):
    reward, resident = bank.reward(price=10), bank.resident(points=100)
    heard.clear()
    redemption = bank.request(resident, reward, token="r1", now=NOON)
    bank.request(resident, reward, token="r1", now=NOON)  # the same token replays
    bank_services.approve_redemption(redemption, staff=bank.staff, now=NOON)
    bank_services.fulfil_redemption(redemption, staff=bank.staff, now=NOON + timedelta(hours=1))
    assert heard.names == ["redemption_requested", "redemption_approved", "redemption_handed_over"]
    assert heard.only("redemption_requested") == {"redemption": redemption, "resident": resident, "actor": resident, "now": NOON}
    assert heard.only("redemption_approved") == {"redemption": redemption, "actor": bank.staff, "now": NOON}
    handed = heard.only("redemption_handed_over")
    assert handed["redemption"].status == RedemptionState.FULFILLED and handed["actor"] is bank.staff


@pytest.mark.parametrize("step, name, actor", [
    (lambda bank, r: bank_services.reject_redemption(r, staff=bank.staff, reason="缺货", now=NOON), "redemption_rejected", "staff"),
    (lambda bank, r: bank_services.cancel_redemption(r, actor=r.resident, now=NOON), "redemption_cancelled", "resident"),
    (lambda bank, r: bank_services.expire_redemption(r, actor=SYSTEM, now=NOON + timedelta(days=30)), "redemption_expired", "system"),
])
def test_a_redemption_that_gives_the_points_back_is_announced(bank, heard, step, name, actor):
    reward, resident = bank.reward(price=10), bank.resident(points=100)
    redemption = bank.request(resident, reward, now=NOON)
    heard.clear()
    step(bank, redemption)
    payload = heard.only(name)
    assert heard.names == [name]
    assert payload["redemption"].id == redemption.id
    assert payload["actor"] is {"staff": bank.staff, "resident": resident, "system": SYSTEM}[actor]


# ---------------------------------------------------------------------------------------------------------
# in-transaction receivers


def test_an_in_transaction_receiver_that_raises_rolls_the_award_back(make, heard):
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    with events.connected(events.points_awarded, boom), pytest.raises(Boom):
        ledger.award_manually(resident, 25, staff=staff, reason="扫雪", key="m1", now=NOON)
    assert ledger.balance_of(resident) == 0
    assert db.session.scalar(select(func.count(Transaction.id)).where(Transaction.resident_id == resident.id)) == 0


def test_an_in_transaction_receiver_that_raises_rolls_the_redemption_step_back(bank, heard):
    reward, resident = bank.reward(price=10), bank.resident(points=100)
    redemption = bank.request(resident, reward, now=NOON)
    with events.connected(events.redemption_approved, boom), pytest.raises(Boom):
        bank_services.approve_redemption(redemption, staff=bank.staff, now=NOON)
    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).status == RedemptionState.REQUESTED
    assert db.session.get(Redemption, redemption.id).pickup_code is None


def test_an_in_transaction_receiver_writes_with_the_event(make, heard):
    """A receiver's write commits with the service call (here: a bonus booked with the award)."""
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)

    def bonus(sender, *, transaction, resident, actor, **payload):
        if transaction.idempotency_key == "m1":
            ledger.award_manually(resident, 5, staff=actor, reason="首次奖励", key="bonus:m1")

    with events.connected(events.points_awarded, bonus):
        ledger.award_manually(resident, 25, staff=staff, reason="扫雪", key="m1", now=NOON)
    assert ledger.balance_of(resident) == 30


# ---------------------------------------------------------------------------------------------------------
# after-commit receivers


def test_an_after_commit_receiver_runs_after_the_commit(make, heard):
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    seen = []

    def notice(sender, *, transaction, **payload):
        # Outside the service: the transaction is committed, and a fresh session sees it.
        with db.engine.connect() as conn:
            seen.append(conn.scalar(select(Transaction.id).where(Transaction.id == transaction.id)))

    with events.connected(events.points_awarded, notice, kind=events.after_commit):
        tx = ledger.award_manually(resident, 25, staff=staff, reason="扫雪", key="m1", now=NOON)
    assert seen == [tx.id]


def test_an_after_commit_receiver_does_not_run_on_rollback(make, heard):
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    seen = []
    with ExitStack() as stack:
        stack.enter_context(events.connected(events.points_awarded, lambda sender, **p: seen.append(p), kind=events.after_commit))
        stack.enter_context(events.connected(events.points_awarded, boom))
        with pytest.raises(Boom):
            ledger.award_manually(resident, 25, staff=staff, reason="扫雪", key="m1", now=NOON)
    assert seen == []


def test_an_after_commit_receiver_skips_a_rolled_back_savepoint(make, heard):
    """A nested service that sent its event and then failed: its event is dropped, the outer one's kept."""
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    seen = []

    @transaction
    def award_then_fail():
        ledger.award_manually(resident, 25, staff=staff, reason="扫雪", key="inner", now=NOON)
        raise Boom()

    @transaction
    def outer():
        try:
            award_then_fail()
        except Boom:
            pass
        ledger.award_manually(resident, 7, staff=staff, reason="值班", key="outer", now=NOON)
        assert seen == []  # nothing runs before the outermost commit

    def notice(sender, *, transaction, **payload):
        seen.append(transaction.idempotency_key)

    with events.connected(events.points_awarded, notice, kind=events.after_commit):
        outer()
    assert seen == ["outer"]
    assert ledger.balance_of(resident) == 7


def test_an_after_commit_receiver_that_fails_is_logged_not_raised(make, heard, caplog):
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    with caplog.at_level(logging.ERROR, logger="points.db"):
        with events.connected(events.points_awarded, boom, kind=events.after_commit):
            tx = ledger.award_manually(resident, 25, staff=staff, reason="扫雪", key="m1", now=NOON)
    assert tx.id is not None and ledger.balance_of(resident) == 25
    assert any(record.exc_info and record.exc_info[0] is Boom for record in caplog.records)


def test_an_after_commit_receiver_may_call_a_service(make, heard):
    """It runs outside the transaction and the write queue, so its service is a transaction of its own."""
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)

    def thank(sender, *, transaction, resident, actor, **payload):
        if transaction.idempotency_key == "m1":
            ledger.award_manually(resident, 5, staff=actor, reason="首次奖励", key="bonus:m1")

    with events.connected(events.points_awarded, thank, kind=events.after_commit):
        ledger.award_manually(resident, 25, staff=staff, reason="扫雪", key="m1", now=NOON)
    assert ledger.balance_of(resident) == 30
    assert heard.names[-2:] == ["points_awarded", "points_awarded"]


def test_on_commit_outside_a_service_runs_at_once(ctx):
    seen = []
    on_commit(lambda: seen.append(1))
    assert seen == [1]


# ---------------------------------------------------------------------------------------------------------
# Receivers do not leak


def test_a_receiver_is_gone_after_its_block(make, heard):
    seen = []

    def hear(sender, **payload):
        seen.append(payload)

    with events.connected(events.resident_registered, hear):
        make.resident()
    with events.connected(events.resident_registered, hear, kind=events.after_commit):
        make.resident()
    make.resident()
    assert len(seen) == 2
    # each make.resident() here also makes its community (announced as unit_created, since units announce)
    assert [name for name in heard.names if name != "unit_created"] == ["resident_registered"] * 3


def test_a_receiver_cannot_be_connected_twice(heard):
    def hear(sender, **payload):
        pass

    with events.connected(events.checked_in, hear):
        with pytest.raises(ValueError):
            with events.connected(events.checked_in, hear):
                pass
    assert hear not in events.checked_in.receivers.values()
