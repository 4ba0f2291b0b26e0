"""Who gets what on every route that names an object: one world of two communities, every route with an id or
token argument, every method it accepts, tried as each kind of visitor. A route missing from `MATRIX` fails
`test_every_route_with_an_argument_is_in_the_matrix`: add it with what each visitor should get."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from io import BytesIO

import pytest
from flask import url_for
from PIL import Image

from points.accounts import services as accounts
from points.accounts.models import Role
from points.accounts.permissions import SYSTEM
from points.bank import services as bank
from points.checkin import services as checkin
from points.checkin.models import Route, VenueKind
from points.db import db
from points.ledger import services as ledger
from points.proposals import services as proposals
from points.volunteering import services as volunteering

from .conftest import _make_app
from .factories import PASSWORD, Factory

# What a visitor may get back. OK: anything below 500 but a refusal (401/403/404) or a trip to the login page, so a
# form error on an empty POST (400/409/422) passes and a crash never does.
LOGIN, OK, HIDDEN, FORBIDDEN = "login", "ok", "404", "403"
VISITORS = ("anonymous", "resident", "other_staff", "staff", "admin")  # requests go in this order on each route

# anonymous, a resident of the object's community, staff of the other community, staff of the object's community,
# an admin of the object's community (who lives there too).
STAFF_PAGE = dict(anonymous=LOGIN, resident=FORBIDDEN, other_staff=HIDDEN, staff=OK, admin=OK)
ADMIN_PAGE = dict(anonymous=LOGIN, resident=FORBIDDEN, other_staff=FORBIDDEN, staff=FORBIDDEN, admin=OK)
OWN_THING = dict(anonymous=LOGIN, resident=OK, other_staff=HIDDEN, staff=HIDDEN, admin=HIDDEN)  # the resident's own
COMMUNITY_PAGE = dict(anonymous=LOGIN, resident=OK, other_staff=HIDDEN, staff=OK, admin=OK)  # its people and staff
PUBLIC = dict(anonymous=OK, resident=OK, other_staff=OK, staff=OK, admin=OK)

MATRIX: dict[str, dict[str, str]] = {
    # staff pages: another community's object is not there at all
    "checkin_staff.api_token_revoke": {**STAFF_PAGE, "admin": HIDDEN},  # a token is its owner's alone
    "checkin_staff.undo": STAFF_PAGE,
    "checkin_staff.invitee_remove": {**STAFF_PAGE, "admin": HIDDEN},  # the staff member removed it a moment before
    "checkin_staff.meeting": STAFF_PAGE,
    "checkin_staff.attendance": STAFF_PAGE,
    "checkin_staff.attendance_csv": STAFF_PAGE,
    "checkin_staff.meeting_cancel": STAFF_PAGE,
    "checkin_staff.meeting_close": STAFF_PAGE,
    "checkin_staff.meeting_edit": STAFF_PAGE,
    "checkin_staff.vote_hands": STAFF_PAGE,
    "checkin_staff.invitees": STAFF_PAGE,
    "checkin_staff.log": STAFF_PAGE,
    "checkin_staff.scan": STAFF_PAGE,
    "checkin_staff.search": STAFF_PAGE,
    "checkin_staff.vote_open": STAFF_PAGE,
    "checkin_staff.venue_edit": STAFF_PAGE,
    "checkin_staff.poster": STAFF_PAGE,
    "checkin_staff.vote_close": STAFF_PAGE,
    "ledger.staff_resident": STAFF_PAGE,
    "accounts.staff_reset_code": STAFF_PAGE,
    "ledger.staff_award": STAFF_PAGE,
    "ledger.staff_card": STAFF_PAGE,
    "ledger.staff_reverse": STAFF_PAGE,
    "accounts.staff_confirm": STAFF_PAGE,
    "ledger.staff_decide_award": STAFF_PAGE,
    "bank.staff_partner": STAFF_PAGE,
    "bank.staff_approve": STAFF_PAGE,
    "bank.staff_cancel": STAFF_PAGE,
    "bank.staff_fulfil": STAFF_PAGE,
    "bank.staff_undo_handover": STAFF_PAGE,
    "bank.staff_reject": STAFF_PAGE,
    "bank.staff_for_resident": STAFF_PAGE,
    "bank.staff_request_for": STAFF_PAGE,
    "bank.staff_edit_reward": STAFF_PAGE,
    "oversight.dashboard_community": STAFF_PAGE,
    "oversight.export": STAFF_PAGE,
    "standing.staff_indices": STAFF_PAGE,
    "volunteering_staff.activity": STAFF_PAGE,
    "volunteering_staff.activity_edit": STAFF_PAGE,
    "volunteering_staff.activity_cancel": STAFF_PAGE,
    "volunteering_staff.roster": STAFF_PAGE,
    "volunteering_staff.scan": STAFF_PAGE,
    "volunteering_staff.search": STAFF_PAGE,
    "volunteering_staff.backfill": STAFF_PAGE,
    "volunteering_staff.confirm": STAFF_PAGE,
    "volunteering_staff.adjust": STAFF_PAGE,
    "volunteering_staff.register_for": STAFF_PAGE,
    "volunteering_staff.undo_checkin": STAFF_PAGE,
    **{f"proposals.staff_{step}": STAFF_PAGE for step in (
        "case", "accept", "reject", "merge", "schedule", "decide", "publish", "close_notice", "owner", "update", "done",
        "archive", "answer")},
    # admin pages
    "admin.revoke": ADMIN_PAGE,
    # the rules page checks the role on the community itself: its own staff get a 403, others a 404
    "ledger.admin_rules": {**ADMIN_PAGE, "other_staff": HIDDEN},
    "standing.admin": {**ADMIN_PAGE, "other_staff": HIDDEN},  # likewise the ladder and the index weights
    "accounts.admin_policy": {**ADMIN_PAGE, "other_staff": HIDDEN},
    # a resident's own things
    "bank.redemption": OWN_THING,
    "bank.cancel": OWN_THING,
    "checkin.result": {**OWN_THING, "staff": OK},  # the staff member who checked them in sees it too
    "volunteering.certificate": OWN_THING,
    "proposals.inbox_open": OWN_THING,
    # a community's own pages
    "bank.reward": COMMUNITY_PAGE,
    "bank.request_reward": COMMUNITY_PAGE,
    "checkin.meeting": COMMUNITY_PAGE,
    "checkin.ballot": COMMUNITY_PAGE,
    "volunteering.activity": COMMUNITY_PAGE,
    "volunteering.sign_up": COMMUNITY_PAGE,
    "volunteering.cancel": COMMUNITY_PAGE,
    # public, or public by an unguessable token
    "bank.photo": {**COMMUNITY_PAGE, "anonymous": HIDDEN},  # the token is not enough: only the community's people
    "ledger.rules": PUBLIC,
    "oversight.books": PUBLIC,  # 明白账: anyone, no login
    "oversight.heads_csv": PUBLIC,
    "standing.honour": PUBLIC,
    "standing.honour_print": PUBLIC,
    # a resident acts on a case of their own community (another community's, public or not, is not there)
    **{f"proposals.{action}": COMMUNITY_PAGE for action in ("follow", "object_", "rate", "confirm", "dispute", "claim")},
    # public, or public by an unguessable token
    "bank.photo": {**COMMUNITY_PAGE, "anonymous": HIDDEN},  # the token is not enough: only the community's people
    "ledger.rules": PUBLIC,
    # a case past screening is public: its page, notice, file and photos (tests/proposals covers one not yet public)
    "proposals.case": PUBLIC,
    "proposals.case_file": PUBLIC,
    "proposals.notice": PUBLIC,
    "proposals.photo": PUBLIC,
    "checkin.venue": PUBLIC,  # the poster: logged out it validates the scan (then login), logged in it checks in
    "checkin.kiosk": PUBLIC,
    "checkin.kiosk_poll": PUBLIC,
    "volunteering.verify": PUBLIC,  # the certificate's QR: anyone holding the paper may check its figures
    "checkin.ticket": dict(anonymous=LOGIN, resident=HIDDEN, other_staff=HIDDEN, staff=HIDDEN, admin=HIDDEN),  # another browser's
    "static": PUBLIC,
}

START = datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc)  # 14:00 in Shanghai; the meeting runs to 16:00


def _photo() -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


class World:
    """Two communities, A and B, each with staff; everything the routes name belongs to A."""

    def __init__(self) -> None:
        make = Factory()
        self.a, self.b = make.community("甲社区"), make.community("乙社区")
        self.staff = make.staff(self.a, name="甲社工")
        self.other_staff = make.staff(self.b, name="乙社工")
        self.resident = make.resident(self.a, name="甲居民")
        self.admin = make.staff(self.a, name="甲主任")
        accounts.grant_role(self.admin, Role.ADMIN, self.a, admin=SYSTEM)
        council = make.resident(self.a, name="甲议事员")
        self.grant = accounts.grant_role(council, Role.COUNCIL, self.a, admin=SYSTEM)

        self.venue = checkin.create_venue(staff=self.staff, unit=self.a, name="甲议事厅", kind=VenueKind.HALL)
        self.meeting = checkin.schedule_meeting(staff=self.staff, venue=self.venue, title="楼道照明", starts_at=START,
                                                ends_at=START + timedelta(hours=2), now=START - timedelta(days=2))
        self.invitee = checkin.invite(self.meeting, council, staff=self.staff)
        self.checkin = checkin.check_in(self.meeting, checkin.CheckinRequest(
            route=Route.SEARCH, actor=self.staff, resident=self.resident, device="pytest", now=START)).checkin
        self.vote = checkin.open_vote(self.meeting, staff=self.staff, question="装不装？", now=START)
        self.ticket = checkin.issue_ticket(self.venue, device="pytest", now=START).ticket
        self.api_token, _ = checkin.create_api_token(self.staff, name="扫码枪")

        self.partner = bank.create_partner(self.a, staff=self.staff, name="甲超市")
        self.reward = bank.create_reward(self.a, bank.RewardDetails(name="鸡蛋", price=5, partner_id=self.partner.id),
                                         staff=self.staff, first_donation=5, photo=_photo())
        self.transaction = ledger.award_manually(self.resident, 50, staff=self.staff, reason="测试", key="matrix:1")
        self.redemption = bank.request_redemption(self.resident, self.reward, token="matrix")

        volunteering.register_volunteer(self.resident, actor=self.resident, now=START - timedelta(days=2))
        self.activity = volunteering.create_activity(
            staff=self.staff, venue=self.venue, title="楼道清洁", starts_at=START + timedelta(days=30),
            ends_at=START + timedelta(days=30, hours=2), slots=5, now=START - timedelta(days=2))
        self.record = volunteering.backfill_record(self.activity, self.resident, staff=self.staff, started_at=START,
                                                   ended_at=START + timedelta(hours=1), note="无手机", now=START)
        self.certificate = volunteering.issue_certificate(self.resident, now=START)
        under_way = volunteering.create_activity(
            staff=self.staff, venue=self.venue, title="助老", starts_at=START + timedelta(days=3),
            ends_at=START + timedelta(days=3, hours=2), slots=5, now=START - timedelta(days=2))
        volunteering.sign_up(under_way, self.resident, now=START)
        self.activity_checkin = checkin.check_in(under_way, checkin.CheckinRequest(
            route=Route.SEARCH, actor=self.staff, resident=self.resident, device="pytest", now=under_way.starts_at)).checkin
        self.proposal, self.objection = self._case()
        self.notification = proposals.inbox_of(self.resident)[0]
        self.pending = ledger.award_manually(self.resident, 80, staff=self.staff, reason="测试", key="matrix:2")
        db.session.commit()

    def _case(self):
        """The resident's suggestion, with a photo, carried through to done; an objection on the way."""
        at = START + timedelta(days=1)
        case = proposals.submit_proposal(self.resident, title="楼道灯", token="matrix", photo_files=[_photo()], now=at)
        proposals.accept_proposal(case, actor=self.staff, now=at)
        meeting = proposals.schedule_deliberation(case, staff=self.staff, venue=self.venue, title="楼道灯议事",
                                                  starts_at=at + timedelta(hours=1), ends_at=at + timedelta(hours=2), now=at)
        vote = checkin.record_show_of_hands(meeting, staff=self.staff, question="换灯？", yes=5, no=1, abstain=0, now=at)
        proposals.record_decision(case, staff=self.staff, vote=vote, now=at)
        case = proposals.publish_decision(case, staff=self.staff, now=at)
        objection = proposals.raise_objection(case, resident=self.resident, reason="太贵", now=at)
        proposals.answer_objection(objection, staff=self.staff, answer="维修基金出", now=at)
        proposals.close_notice(case, actor=self.staff, now=case.objection_until)
        return proposals.mark_done(case, staff=self.staff, now=case.objection_until), objection

    def arguments(self, endpoint: str) -> dict[str, object]:
        tokens = {
            "bank.photo": {"token": self.reward.photo, "size": "thumb"},
            "proposals.photo": {"token": self.proposal.photo_tokens[0], "size": "thumb"},
            "checkin.venue": {"token": self.venue.poster_token},
            "checkin.kiosk": {"token": self.meeting.kiosk_token},
            "checkin.kiosk_poll": {"token": self.meeting.kiosk_token},
            "checkin.ticket": {"token": self.ticket.token},
            "volunteering.verify": {"token": self.certificate.token},
            "volunteering_staff.undo_checkin": {"checkin_id": self.activity_checkin.id},
            "static": {"filename": "css/app.css"},
            "oversight.export": {"what": "transactions", "fmt": "xlsx"},
            "ledger.staff_decide_award": {"decision": "confirm"},
        }
        ids = dict(
            grant_id=self.grant.id, community_id=self.a.id, redemption_id=self.redemption.id, reward_id=self.reward.id,
            partner_id=self.partner.id, resident_id=self.resident.id, checkin_id=self.checkin.id,
            meeting_id=self.meeting.id, vote_id=self.vote.id, token_id=self.api_token.id, invitee_id=self.invitee.id,
            transaction_id=self.transaction.id, venue_id=self.venue.id, activity_id=self.activity.id,
            record_id=self.record.id, certificate_id=self.certificate.id, proposal_id=self.proposal.id,
            objection_id=self.objection.id, notification_id=self.notification.id, pending_id=self.pending.id,
        )
        return {**ids, **tokens.get(endpoint, {})}


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("matrix")
    yield from _make_app(f"sqlite:///{folder / 'test.sqlite3'}", UPLOAD_FOLDER=str(folder / "uploads"))


@pytest.fixture(scope="module")
def world(matrix_app):
    with matrix_app.app_context():
        built = World()
        people = {"resident": built.resident, "other_staff": built.other_staff, "staff": built.staff, "admin": built.admin}
        phones = {name: person.phone for name, person in people.items()}
        arguments = {endpoint: built.arguments(endpoint) for endpoint in MATRIX}
    clients = {"anonymous": matrix_app.test_client()}
    for name, phone in phones.items():
        clients[name] = matrix_app.test_client()
        assert clients[name].post("/login", data={"phone": phone, "password": PASSWORD}).status_code == 302
    return arguments, clients


def _routes(app) -> list[tuple[str, str]]:
    return sorted(
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules() if rule.arguments
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_every_route_with_an_argument_is_in_the_matrix(matrix_app):
    missing = sorted({endpoint for endpoint, _ in _routes(matrix_app)} - MATRIX.keys())
    assert not missing, f"add these routes to MATRIX in tests/test_isolation_matrix.py, with what each visitor gets: {missing}"
    gone = sorted(MATRIX.keys() - {endpoint for endpoint, _ in _routes(matrix_app)})
    assert not gone, f"these routes no longer exist: remove them from MATRIX: {gone}"


def _outcome(response) -> str:
    response.close()  # a photo is sent as an open file
    if response.status_code in (301, 302, 303) and response.location.split("?")[0].endswith("/login"):
        return LOGIN
    if response.status_code in (403, 404):
        return str(response.status_code)
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    return OK if response.status_code != 401 else "401"


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_each_visitor_gets_what_the_matrix_says(matrix_app, world, endpoint):
    arguments, clients = world
    rule = next(r for r in matrix_app.url_map.iter_rules(endpoint) if r.arguments)
    with matrix_app.test_request_context():
        url = url_for(endpoint, **{k: v for k, v in arguments[endpoint].items() if k in rule.arguments})
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):  # GET before POST: look, then act
        got = {who: _outcome(clients[who].open(url, method=method)) for who in VISITORS}
        assert got == MATRIX[endpoint], f"{method} {url}"
