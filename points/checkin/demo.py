"""Demo venues and meetings in 第一社区: one meeting under way at 红叶亭话, one tomorrow at 湖景廊议 with the
rotating code, and one last week at 观湖广场, closed with minutes and a vote."""
from __future__ import annotations

from datetime import timedelta

from ..db import utcnow
from ..ledger import services as ledger
from ..units.models import Unit
from . import services
from .earning import MEETING_ATTENDED
from .models import Route, SecurityMode, VenueKind


def load_demo_meetings(context: dict) -> None:
    community: Unit = context["community"]
    staff, residents = context["staff"], context["residents"]
    buildings = context["buildings"]
    red_leaf = buildings["红叶小区", "1号楼"].parent
    lake_view = buildings["湖景小区", "1号楼"].parent

    hongye = services.create_venue(staff=staff, unit=red_leaf, name="红叶小区睦邻议事点", brand="红叶亭话",
                                   kind=VenueKind.CORNER, location="红叶小区中心花园凉亭")
    hujing = services.create_venue(staff=staff, unit=lake_view, name="湖景小区议事站", brand="湖景廊议",
                                   kind=VenueKind.STATION, location="湖景小区2号楼南侧长廊")
    plaza = services.create_venue(staff=staff, unit=community, name="第一社区议事厅", brand="观湖广场",
                                  kind=VenueKind.HALL, location="社区党群服务中心一楼")

    now = utcnow()
    last_week = now - timedelta(days=7)
    past = services.schedule_meeting(
        staff=staff, venue=plaza, title="广场健身器材更新", starts_at=last_week, ends_at=last_week + timedelta(hours=1, minutes=30),
        agenda="一、通报器材损坏情况\n二、讨论更新方案与经费来源\n三、表决", now=last_week - timedelta(days=3),
    )
    for index, resident in enumerate(residents[:8]):
        services.check_in(past, services.CheckinRequest(
            route=Route.SEARCH if index % 3 == 0 else Route.SCANNER, actor=staff, resident=resident, device="demo",
            now=last_week - timedelta(minutes=20) + timedelta(minutes=index * 2)))
    services.record_show_of_hands(past, staff=staff, question="是否同意使用社区公益金更新广场健身器材？", yes=7, no=0, abstain=1,
                                  now=last_week + timedelta(hours=1))
    services.close_meeting(past, staff=staff, headcount=8, now=last_week + timedelta(hours=1, minutes=30),
                           minutes="到会8人。议定：使用社区公益金更新4件健身器材，由物业负责安装，居民代表监督。")

    under_way = services.schedule_meeting(
        staff=staff, venue=hongye, title="楼道照明改造", starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(minutes=80),
        agenda="一、各楼栋照明现状\n二、声控灯与常亮灯方案比较\n三、表决", now=now - timedelta(days=2),
    )
    for index, resident in enumerate(residents[2:6]):
        services.check_in(under_way, services.CheckinRequest(
            route=Route.SCANNER, actor=staff, resident=resident, device="demo", now=now - timedelta(minutes=25 - index * 3)))

    tomorrow = now + timedelta(days=1)
    services.schedule_meeting(
        staff=staff, venue=hujing, title="湖景小区停车位划线", starts_at=tomorrow, ends_at=tomorrow + timedelta(hours=1),
        agenda="一、停车现状\n二、划线方案\n三、收费与管理", security_mode=SecurityMode.ROTATING, now=now,
    )


def load_demo_attendance(context: dict) -> None:
    """Earlier meetings' attendance, so every demo resident has some history: one to four meetings each."""
    now = utcnow()
    venues = ["红叶亭话", "湖景廊议", "观湖广场"]
    for index, resident in enumerate(context["residents"]):
        for meeting in range(index % 4 + 1):
            ledger.award(
                resident, MEETING_ATTENDED, key=f"demo:meeting:{meeting}:resident:{resident.id}",
                cause=("demo", None), memo=venues[meeting % 3], now=now - timedelta(days=30 - meeting * 7),
            )
