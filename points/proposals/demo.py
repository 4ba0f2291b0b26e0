"""Demo topics in 第一社区, one in each telling stage: an archived case with its whole story (and its outcome
award), one in its objection period, one being carried out past its deadline, a suggestion overdue for screening,
one not taken up, and 王芳's fresh suggestion waiting for screening."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from .. import clock
from ..accounts.permissions import SYSTEM
from ..checkin import services as checkin
from ..checkin.models import Route, VenueKind
from ..db import db, utcnow
from ..volunteering import services as volunteering
from . import services


def load(context: dict) -> None:
    community, staff, residents = context["community"], context["staff"], context["residents"]
    council = residents[1]
    services.ensure_lists(community.id)
    categories = services.categories_of(community.id)
    plaza = next(v for v in checkin.venues_in([community.id]) if v.kind == VenueKind.HALL)
    now = utcnow()

    def topic(resident, title, description, *, days_ago, category=0, unit=None, anonymous=False, token):
        return services.submit_proposal(
            resident, title=title, description=description, category_id=categories[category].id,
            unit_id=(unit or community).id, is_anonymous=anonymous, token=token, now=now - timedelta(days=days_ago))

    def deliberate(proposal, *, days_ago, yes, no, abstain, text):
        at = now - timedelta(days=days_ago)
        services.accept_proposal(proposal, actor=council, note="属于协商范围", now=at - timedelta(days=3))
        meeting = services.schedule_deliberation(proposal, staff=staff, venue=plaza, title=proposal.title,
                                                 starts_at=at, ends_at=at + timedelta(hours=1), now=at - timedelta(days=2))
        for index, resident in enumerate(residents[:yes + no + abstain]):
            checkin.check_in(meeting, checkin.CheckinRequest(route=Route.SEARCH, actor=staff, resident=resident,
                                                              device="demo", now=at - timedelta(minutes=10 - index)))
        vote = checkin.record_show_of_hands(meeting, staff=staff, question=f"是否同意：{proposal.title}？", yes=yes, no=no,
                                            abstain=abstain, now=at + timedelta(minutes=50))
        checkin.close_meeting(meeting, staff=staff, headcount=yes + no + abstain, now=at + timedelta(hours=1), minutes=text)
        services.record_decision(proposal, staff=staff, vote=vote, text=text, now=at + timedelta(hours=1))
        return services.publish_decision(proposal, staff=staff, now=at + timedelta(hours=2))

    # 1. 备: the whole story, archived.
    lights = topic(residents[0], "红叶小区1号楼楼道灯不亮", "三楼到六楼的楼道灯坏了半个月，老人晚上上下楼很危险。",
                   days_ago=45, token="demo-p1")
    lights = deliberate(lights, days_ago=38, yes=6, no=1, abstain=1,
                        text="议定：更换为声控LED灯，费用由物业维修基金列支，物业两周内完成，楼长监督。")
    objection = services.raise_objection(lights, resident=residents[4], reason="声控灯对听力不好的老人不方便。",
                                         now=lights.published_at + timedelta(days=1))
    services.answer_objection(objection, staff=staff, answer="低层改为人体感应灯，兼顾老人需要。",
                              now=lights.published_at + timedelta(days=2))
    at = lights.objection_until
    services.close_notice(lights, actor=staff, now=at)
    services.assign_owner(lights, staff=staff, owner_kind="partner", owner_name="宏业物业服务中心",
                          due_on=clock.local_date(at + timedelta(days=14)), now=at)
    services.post_update(lights, author=staff, text="灯具已采购，周六统一安装。", now=at + timedelta(days=5))
    done_at = at + timedelta(days=9)
    services.mark_done(lights, staff=staff, note="24盏灯全部更换完毕。", now=done_at)
    for resident, stars, comment in zip(residents[2:7], (5, 5, 4, 4, 5), ("很亮堂", "", "比以前好多了", "", "谢谢物业")):
        services.rate_proposal(lights, resident=resident, stars=stars, comment=comment, now=done_at + timedelta(days=1))
    services.confirm_completion(lights, resident=residents[0], note="确实修好了。", now=done_at + timedelta(days=2))
    services.archive_proposal(lights, actor=SYSTEM, now=lights.rating_until)

    # 2. 公: in its objection period.
    parking = topic(residents[5], "湖景小区增设电动车充电桩", "楼道里充电太危险，希望在车棚装充电桩。",
                    days_ago=12, category=3, token="demo-p2")
    deliberate(parking, days_ago=2, yes=5, no=2, abstain=0,
               text="议定：在2号车棚安装20个充电口，按电量收费，由共建单位出资。")

    # 3. 督: being carried out, past its deadline.
    benches = topic(residents[3], "中心花园长椅破损", "花园里三张长椅的木条断了。", days_ago=40, category=0,
                    token="demo-p3")
    benches = deliberate(benches, days_ago=30, yes=7, no=0, abstain=1, text="议定：更换三张长椅，党员志愿者负责。")
    services.close_notice(benches, actor=staff, now=benches.objection_until)
    member = residents[2]
    member.is_party_member = True
    db.session.commit()
    services.claim_task(benches, resident=member, now=benches.objection_until)
    services.assign_owner(benches, staff=staff, owner_kind="party_member", owner=member,
                          due_on=clock.local_date(now - timedelta(days=3)), now=benches.objection_until)
    # Volunteers help carry it out: an activity serving the case (its hours show in the case file once confirmed).
    start = clock.to_utc(datetime.combine(clock.local_date(now) + timedelta(days=2), time(9)))
    volunteering.create_activity(staff=staff, venue=plaza, title="花园长椅刷漆志愿服务", starts_at=start,
                                 ends_at=start + timedelta(hours=2), slots=6, description="给新换的长椅刷防腐漆。",
                                 proposal_id=benches.id, now=now)

    # 4. 定: overdue for screening, one not taken up, and 王芳's fresh one.
    topic(residents[8], "小区门口早市占道", "早上六点到八点摊贩占了人行道。", days_ago=10, category=1, token="demo-p4",
          anonymous=True)
    noise = topic(residents[9], "楼上邻居装修太吵", "希望社区管一管。", days_ago=6, category=1, token="demo-p5")
    private = next(i for i in services.negative_list_of(community.id) if "私事" in i.name)
    services.reject_proposal(noise, actor=staff, reason="属于邻里个人纠纷，已转网格员调解。", negative_item_id=private.id,
                             now=now - timedelta(days=5))
    topic(residents[0], "垃圾分类投放点太远", "3号楼居民要走很远才能扔垃圾。", days_ago=1, category=0, token="demo-p6")
