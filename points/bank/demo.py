"""Demo data for the bank: 第一社区's partners, a stocked catalogue, and redemptions in each state."""
from __future__ import annotations

from datetime import timedelta

from ..db import utcnow
from . import services
from .models import LimitPeriod, PartnerKind, RewardKind

PARTNERS = [
    ("红叶超市", PartnerKind.MERCHANT, "陈店长", "13955500001", "红叶小区南门"),
    ("巧手理发店", PartnerKind.MERCHANT, "吴师傅", "13955500002", "湖景小区商业街8号"),
    ("宏业物业服务中心", PartnerKind.ORGANISATION, "周经理", "05524000001", "红叶小区1号楼底商"),
    ("湖景社区卫生服务站", PartnerKind.ORGANISATION, "黄医生", "05524000002", "湖景小区3号楼旁"),
]

# name, kind, price, partner, units donated, (limit, period), description
REWARDS = [
    ("鸡蛋一盒（10枚）", RewardKind.GOODS, 12, "红叶超市", 20, (1, LimitPeriod.WEEK), "新鲜土鸡蛋，凭取货码到红叶超市领取。"),
    ("洗衣液 2kg", RewardKind.GOODS, 15, "红叶超市", 15, (2, LimitPeriod.MONTH), "家用洗衣液一瓶。"),
    ("理发一次", RewardKind.SERVICE, 10, "巧手理发店", 30, (1, LimitPeriod.MONTH), "老人、残疾人可预约上门理发。"),
    ("中医理疗一次", RewardKind.SERVICE, 15, "湖景社区卫生服务站", 12, (1, LimitPeriod.MONTH), "艾灸或推拿一次，需提前电话预约。"),
    ("家电上门维修", RewardKind.SERVICE, 20, "宏业物业服务中心", 10, None, "小家电、水电小修一次，材料费另计。"),
    ("食用油 5L", RewardKind.GOODS, 40, "红叶超市", 8, (1, LimitPeriod.MONTH), "非转基因压榨菜籽油一桶。"),
    ("小区临时车位优先使用一个月", RewardKind.PRIVILEGE, 50, "宏业物业服务中心", 3, (1, LimitPeriod.YEAR), "红叶小区访客车位，每月一位。"),
]


def load(context: dict) -> None:
    community, staff, admin, residents = context["community"], context["staff"], context["admin"], context["residents"]
    now = utcnow()
    services.save_bank_settings(community, staff=staff, pickup_place="社区党群服务中心一楼公益银行",
                                pickup_hours="法定节假日除外", pickup_days=7)
    partners = {
        name: services.create_partner(community, staff=staff, name=name, kind=kind, contact_name=contact,
                                      contact_phone=phone, address=address)
        for name, kind, contact, phone, address in PARTNERS
    }
    rewards = {}
    for index, (name, kind, price, donor, units, limit, description) in enumerate(REWARDS):
        details = services.RewardDetails(
            name=name, kind=kind, price=price, description=description, partner_id=partners[donor].id,
            limit_count=limit[0] if limit else None, limit_period=limit[1] if limit else None,
        )
        rewards[name] = services.create_reward(community, details, staff=staff, first_donation=units,
                                               donation_token=f"demo-first-{index}", now=now - timedelta(days=20))
    services.record_donation(rewards["鸡蛋一盒（10枚）"], staff=staff, partner=partners["红叶超市"], quantity=10,
                             note="重阳节加送", token="demo-eggs-2", now=now - timedelta(days=5))

    # 张秀英 collected a haircut, 刘洋's oil waits at the desk, 李建国 and 陈静 wait for approval…
    haircut = services.request_redemption(residents[2], rewards["理发一次"], token="demo-1", now=now - timedelta(days=6))
    services.approve_redemption(haircut, staff=staff, now=now - timedelta(days=6))
    services.fulfil_redemption(haircut, staff=staff, now=now - timedelta(days=5))
    oil = services.request_redemption(residents[3], rewards["食用油 5L"], token="demo-2", now=now - timedelta(days=1))
    services.approve_redemption(oil, staff=admin, now=now - timedelta(hours=20))
    services.request_redemption(residents[1], rewards["洗衣液 2kg"], token="demo-3", now=now - timedelta(hours=5))
    services.request_redemption(residents[4], rewards["鸡蛋一盒（10枚）"], token="demo-4", now=now - timedelta(hours=2))
    # …and a haircut handed over a moment ago, which the hand-over page still offers to take back (撤销交付).
    just = services.request_redemption(residents[5], rewards["理发一次"], token="demo-5", now=now - timedelta(hours=3))
    services.approve_redemption(just, staff=staff, now=now - timedelta(hours=2))
    services.fulfil_redemption(just, staff=staff, now=now - timedelta(minutes=2))
