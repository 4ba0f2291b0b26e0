"""The volunteering pages: who may see what (anonymous, resident, volunteer, another community's staff → 404, own
staff), the confirm steps, kept input, the page budget, and no 500 on junk."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from points.accounts.permissions import SYSTEM
from points.db import db
from points.ledger import services as ledger
from points.volunteering import services
from points.volunteering.models import Activity, Certificate, Enrollment, EnrollmentStatus, RecordStatus, ServiceRecord

from ..helpers import login
from .conftest import BEFORE, END, START, Scene


@pytest.fixture
def world(make, clock) -> Scene:
    clock.set(BEFORE)
    scene = Scene(make)
    scene.plain = make.resident(scene.community, name="张三")  # not a volunteer
    scene.outsider = make.staff(make.community("第二社区"), name="社工小周")
    scene.act = scene.activity()
    db.session.commit()
    return scene


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def finished_record(world, clock, resident=None) -> ServiceRecord:
    resident = resident or world.resident
    services.sign_up(world.act, resident, now=BEFORE)
    assert world.scan(resident, at=START).ok
    assert world.scan(resident, at=END).ok
    db.session.commit()
    clock.set(END + timedelta(hours=2))
    return db.session.scalar(select(ServiceRecord).where(ServiceRecord.resident_id == resident.id))


def resident_urls(world) -> list[str]:
    a = world.act.id
    return ["/volunteering", "/volunteering/register", "/volunteering/activities", f"/volunteering/activities/{a}",
            f"/volunteering/activities/{a}/sign-up", f"/volunteering/activities/{a}/cancel"]


def staff_urls(world) -> list[str]:
    a = world.act.id
    return [f"/staff/volunteering/activities/{a}", f"/staff/volunteering/activities/{a}/edit",
            f"/staff/volunteering/activities/{a}/roster", f"/staff/volunteering/activities/{a}/scan",
            f"/staff/volunteering/activities/{a}/search?q=王", f"/staff/volunteering/activities/{a}/backfill",
            f"/staff/volunteering/residents/{world.resident.id}/register"]


# ------------------------------------------------------------------ access


def test_anonymous_visitors_go_to_the_login_page(world, client):
    for url in resident_urls(world) + staff_urls(world) + ["/staff/volunteering/", "/staff/volunteering/queue"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location, url


def test_residents_see_their_pages_and_not_the_staff_ones(world, client):
    login(client, world.plain)
    for url in resident_urls(world):
        assert client.get(url).status_code == 200, url
    for url in staff_urls(world) + ["/staff/volunteering/", "/staff/volunteering/queue"]:
        assert client.get(url).status_code == 403, url


def test_another_communitys_staff_get_404_for_every_object(world, client):
    login(client, world.outsider)
    for url in staff_urls(world) + resident_urls(world)[3:]:
        assert client.get(url).status_code == 404, url
    record = finished_record(world, _Clock())
    assert client.post(f"/staff/volunteering/records/{record.id}/confirm").status_code == 404
    assert client.get(f"/staff/volunteering/records/{record.id}/adjust").status_code == 404
    assert client.post(f"/staff/volunteering/activities/{world.act.id}/cancel", data={"reason": "x"}).status_code == 404
    assert db.session.get(Activity, world.act.id).status == "scheduled"


class _Clock:
    def set(self, at):
        from points import clock
        clock.set(at)


def test_own_staff_see_every_staff_page(world, client):
    login(client, world.staff)
    for url in staff_urls(world) + ["/staff/volunteering/", "/staff/volunteering/queue", "/staff/volunteering/volunteers?q=王"]:
        assert client.get(url).status_code == 200, url


def test_junk_never_crashes(world, client):
    login(client, world.staff)
    for url in ["/staff/volunteering/activities/99999999999", "/staff/volunteering/records/abc/confirm",
                "/volunteering/certificates/99999", "/c/" + "x" * 300, "/staff/volunteering/activities/1/scan?last=zz",
                "/staff/volunteering/hours-by-volunteer.csv?community=zz", "/staff/volunteering/activities/1/search?step=zz"]:
        assert client.get(url).status_code < 500, url
    bad = {"title": "x" * 500, "venue": "99999999999999", "day": "2026-13-45", "start": "25:99", "end": "x",
           "slots": "-3", "points_per_hour": "abc", "fixed_points": "1e9", "cap_hours": "0"}
    assert client.post("/staff/volunteering/activities/new", data=bad).status_code == 422
    assert client.post(f"/staff/volunteering/activities/{world.act.id}/backfill",
                       data={"resident": "zz", "day": "x", "note": ""}).status_code == 422
    assert client.post(f"/staff/volunteering/activities/{world.act.id}/search", data={"resident_id": "zz"}).status_code < 500
    assert client.post(f"/staff/volunteering/residents/{world.plain.id}/register", data={"skills": ["nope"]}).status_code == 422


# ------------------------------------------------------------------ volunteers


def test_a_resident_registers_with_skills_and_sees_their_page(world, client):
    login(client, world.plain)
    page = text(client.get("/volunteering"))
    assert "成为志愿者" in page
    assert client.post("/volunteering/register", data={"skills": ["nope"]}).status_code == 422
    response = client.post("/volunteering/register", data={"skills": ["repair", "patrol"]})
    assert response.status_code == 302
    assert services.volunteer_of(world.plain).skill_list == ["repair", "patrol"]
    page = client.get("/volunteering/register").get_data(as_text=True)
    assert re.search(r'value="repair"[^>]*checked|checked[^>]*value="repair"', page)


def test_sign_up_asks_first_then_signs_up_and_cancels_before_the_start(world, client):
    login(client, world.resident)
    url = f"/volunteering/activities/{world.act.id}"
    page = text(client.get(url + "/sign-up"))
    assert "确定报名" in page or "是的，我要报名" in page
    assert db.session.scalar(select(func.count(Enrollment.id))) == 0  # the GET only asks
    response = client.post(url + "/sign-up")
    assert response.status_code == 302
    assert "已报名" in text(client.get(url))
    assert client.post(url + "/sign-up").status_code == 409  # twice: the service's message, no crash
    assert "取消" in text(client.get(url + "/cancel"))
    assert client.post(url + "/cancel").status_code == 302
    assert services.enrollment_of(world.act, world.resident).status == EnrollmentStatus.CANCELLED


def test_a_non_volunteer_is_told_to_register_and_cannot_sign_up(world, client):
    login(client, world.plain)
    response = client.post(f"/volunteering/activities/{world.act.id}/sign-up")
    assert response.status_code == 409 and "请先注册成为志愿者" in text(response)


def test_signing_up_after_the_start_is_refused(world, client, clock):
    login(client, world.resident)
    clock.set(START + timedelta(minutes=5))
    response = client.post(f"/volunteering/activities/{world.act.id}/sign-up")
    assert response.status_code == 409 and "已经开始" in text(response)


def test_resident_pages_stay_under_50_kb(world, client, clock):
    record = finished_record(world, clock)
    services.confirm_record(record, staff=world.staff)
    db.session.commit()
    login(client, world.resident)
    for url in resident_urls(world) + ["/"]:
        response = client.get(url)
        assert len(response.data) < 50_000, (url, len(response.data))
    wallet = text(client.get("/wallet"))
    assert "志愿服务" in wallet and "2" in wallet


# ------------------------------------------------------------------ the volunteer's page and the certificate


def test_volunteer_page_shows_hours_apart_from_points_and_the_star_progress(world, client, clock):
    record = finished_record(world, clock)
    services.confirm_record(record, staff=world.staff)
    db.session.commit()
    login(client, world.resident)
    page = text(client.get("/volunteering"))
    assert 'data-testid="hours">2.0<' in page.replace(" ", "")
    assert f'data-testid="balance">{ledger.balance_of(world.resident)}<' in page.replace(" ", "")
    assert "98.0" in page and "1 星" in page or "1星" in page.replace(" ", "")  # 98 more hours to 1 star
    assert "<progress" in page


def test_the_certificate_lists_confirmed_records_and_its_qr_opens_a_public_check(world, client, clock):
    record = finished_record(world, clock)
    services.confirm_record(record, staff=world.staff)
    db.session.commit()
    login(client, world.resident)
    response = client.post("/volunteering/certificate")
    assert response.status_code == 302
    page = text(client.get(response.location))
    assert "志愿服务证明" in page and world.community.name in page and "楼道清洁" in page and "<svg" in page
    token = db.session.scalar(select(Certificate.token))
    anonymous = client.application.test_client()
    check = text(anonymous.get(f"/c/{token}"))
    assert "2.0" in check and world.resident.name in check
    assert anonymous.get("/c/nope").status_code == 404
    login(client, world.plain)
    assert client.get(response.location).status_code == 404  # another resident's certificate


# ------------------------------------------------------------------ staff


def activity_form(**changes) -> dict:
    data = {"title": "社区义诊", "venue": "", "place": "服务站门口", "day": "2026-11-25", "start": "09:00", "end": "11:00",
            "slots": "5", "points_per_hour": "", "fixed_points": "", "cap_hours": "", "description": "量血压"}
    return {**data, **changes}


def test_staff_create_an_activity_and_errors_sit_beside_fields_with_input_kept(world, client):
    login(client, world.staff)
    response = client.post("/staff/volunteering/activities/new",
                           data=activity_form(venue=str(world.venue.id), end="08:00", title="义诊（保留）"))
    page = text(response)
    assert response.status_code == 422 and "结束时间须晚于开始时间" in page and "义诊（保留）" in page
    assert 'value="服务站门口"' in page
    response = client.post("/staff/volunteering/activities/new", data=activity_form(venue=str(world.venue.id), points_per_hour="5", fixed_points="20"))
    assert response.status_code == 422 and 'id="fixed_points-error"' in response.get_data(as_text=True)
    response = client.post("/staff/volunteering/activities/new", data=activity_form())
    assert response.status_code == 422 and 'id="venue-error"' in response.get_data(as_text=True)
    response = client.post("/staff/volunteering/activities/new", data=activity_form(venue=str(world.venue.id)))
    assert response.status_code == 302
    created = db.session.scalar(select(Activity).where(Activity.title == "社区义诊"))
    assert created.slots == 5 and created.place == "服务站门口"
    edit = client.post(f"/staff/volunteering/activities/{created.id}/edit", data=activity_form(venue=str(world.venue.id), slots="7"))
    assert edit.status_code == 302 and db.session.get(Activity, created.id).slots == 7


def test_other_communitys_venue_is_not_accepted(world, client, make):
    from points.checkin import services as checkin
    from points.checkin.models import VenueKind
    foreign = checkin.create_venue(staff=world.outsider, unit=world.outsider.community, name="外社区", kind=VenueKind.HALL)
    db.session.commit()
    login(client, world.staff)
    response = client.post("/staff/volunteering/activities/new", data=activity_form(venue=str(foreign.id)))
    assert response.status_code == 422 and 'id="venue-error"' in response.get_data(as_text=True)


def test_cancelling_needs_a_reason_and_tells_the_page(world, client):
    login(client, world.staff)
    url = f"/staff/volunteering/activities/{world.act.id}"
    assert client.post(url + "/cancel", data={"reason": ""}).status_code == 422
    assert client.post(url + "/cancel", data={"reason": "下雨"}).status_code == 302
    assert "下雨" in text(client.get(url))
    assert client.post(url + "/cancel", data={"reason": "again"}).status_code == 409


def test_the_queue_is_oldest_first_and_confirms_with_one_tap(world, client, clock):
    first = finished_record(world, clock)
    other = world.volunteer()
    services.sign_up(world.act, other, now=BEFORE)
    services.backfill_record(world.act, other, staff=world.staff, started_at=START, ended_at=END, note="没带手机",
                             now=END + timedelta(hours=3))
    db.session.commit()
    login(client, world.other_staff)
    page = client.get("/staff/volunteering/queue").get_data(as_text=True)
    assert page.index(f'data-record="{first.id}"') < page.index("没带手机")
    assert client.post(f"/staff/volunteering/records/{first.id}/confirm").status_code == 302
    assert db.session.get(ServiceRecord, first.id).status == RecordStatus.CONFIRMED
    points = ledger.balance_of(world.resident)
    response = client.post(f"/staff/volunteering/records/{first.id}/confirm", follow_redirects=True)
    assert "该服务时长已确认" in text(response) and ledger.balance_of(world.resident) == points  # paid once


def test_staff_cannot_confirm_their_own_hours_and_see_why(world, client, clock):
    services.register_volunteer(world.staff, actor=world.staff, now=BEFORE)
    record = finished_record(world, clock, resident=world.staff)
    login(client, world.staff)
    response = client.post(f"/staff/volunteering/records/{record.id}/confirm", follow_redirects=True)
    assert "不能确认自己的" in text(response)
    assert db.session.get(ServiceRecord, record.id).status != RecordStatus.CONFIRMED


def test_adjusting_needs_a_reason_and_keeps_the_input(world, client, clock):
    record = finished_record(world, clock)
    login(client, world.staff)
    url = f"/staff/volunteering/records/{record.id}/adjust"
    assert 'value="120"' in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"minutes": "90", "reason": ""})
    assert response.status_code == 422 and 'value="90"' in response.get_data(as_text=True) and 'id="reason-error"' in response.get_data(as_text=True)
    assert client.post(url, data={"minutes": "90", "reason": "提前离开"}).status_code == 302
    assert db.session.get(ServiceRecord, record.id).confirmed_minutes == 90


def test_backfill_for_a_volunteer_without_a_phone(world, client, clock):
    clock.set(END + timedelta(hours=1))
    nophone = world.volunteer()
    db.session.commit()
    login(client, world.staff)
    url = f"/staff/volunteering/activities/{world.act.id}/backfill?q={nophone.name}"
    data = {"resident": str(nophone.id), "day": "2026-11-24", "start": "14:00", "end": "15:30", "note": ""}
    response = client.post(url, data=data)
    assert response.status_code == 422 and 'id="note-error"' in response.get_data(as_text=True)
    assert client.post(url, data={**data, "note": "老人无手机"}).status_code == 302
    record = db.session.scalar(select(ServiceRecord).where(ServiceRecord.resident_id == nophone.id))
    assert record.is_backfilled and record.minutes == 90 and record.status == RecordStatus.PENDING
    response = client.post(url, data={**data, "resident": str(world.plain.id), "note": "x"})
    assert response.status_code == 422 and "志愿者" in text(response)


def test_staff_register_a_resident_as_volunteer(world, client):
    login(client, world.staff)
    assert "登记" in text(client.get(f"/staff/volunteering/volunteers?q={world.plain.name}"))
    assert client.post(f"/staff/volunteering/residents/{world.plain.id}/register", data={"skills": ["elderly"]}).status_code == 302
    volunteer = services.volunteer_of(world.plain)
    assert volunteer.registered_by_id == world.staff.id and volunteer.skill_list == ["elderly"]


def test_the_desk_checks_in_and_out_through_the_one_machinery(world, client, clock):
    services.sign_up(world.act, world.resident, now=BEFORE)
    db.session.commit()
    login(client, world.staff)
    url = f"/staff/volunteering/activities/{world.act.id}"
    clock.set(START)
    response = client.post(url + "/scan?step=in", data={"code": world.resident.member_code}, follow_redirects=True)
    assert 'data-result="ok"' in response.get_data(as_text=True)
    clock.set(END)
    response = client.post(url + f"/search?step=out&q={world.resident.name}", data={"resident_id": str(world.resident.id)},
                           follow_redirects=True)
    assert 'data-result="ok"' in response.get_data(as_text=True)
    roster = text(client.get(url + "/roster"))
    assert world.resident.name in roster and "2.0" in roster


def test_csv_exports_by_volunteer_and_by_activity(world, client, clock):
    record = finished_record(world, clock)
    services.confirm_record(record, staff=world.staff)
    db.session.commit()
    login(client, world.staff)
    by_volunteer = client.get(f"/staff/volunteering/hours-by-volunteer.csv?community={world.community.id}")
    assert by_volunteer.status_code == 200 and by_volunteer.data.startswith(b"\xef\xbb\xbf")
    assert world.resident.name in by_volunteer.get_data(as_text=True) and ",2.0," in by_volunteer.get_data(as_text=True)
    by_activity = client.get("/staff/volunteering/hours-by-activity.csv")
    assert "楼道清洁" in by_activity.get_data(as_text=True)
    login(client, world.outsider)
    assert client.get(f"/staff/volunteering/hours-by-volunteer.csv?community={world.community.id}").status_code == 404


def test_the_activitys_kiosk_and_poster_links_work(world, client):
    login(client, world.staff)
    page = client.get(f"/staff/volunteering/activities/{world.act.id}").get_data(as_text=True)
    kiosk = re.search(r'href="(http[^"]+/kiosk/[^"]+)"', page).group(1)
    assert client.application.test_client().get(kiosk.split("localhost", 1)[1]).status_code == 200
    assert f"/staff/venues/{world.venue.id}/poster" in page
    assert client.get(f"/staff/venues/{world.venue.id}/poster").status_code == 200
