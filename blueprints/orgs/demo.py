"""Demo organizations in every state, made through the same services and flow as real ones.

Each is known by its name: one already there is left alone, so loading twice adds nothing."""

import json
from datetime import timedelta

from sqlalchemy import select

from blueprints.auth.models import User
from blueprints.orgs import lifecycle
from blueprints.orgs.models import Filing, FilingPerson
from blueprints.orgs.models import FilingState as S
from blueprints.orgs.workflow import FLOW
from blueprints.places.models import Community
from blueprints.util.times import utcnow
from extensions import db

RESIDENT, OFFICER, COMMUNITY, STREET = "13800000001", "13800000005", "13800000006", "13800000007"
CHARTER = {
    "aim": "丰富社区居民文化生活",
    "duties": "按时参加活动，爱护场地",
    "rules": "大事集体商量",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙"
# name, community, applicant, kind, where it ends up. Reviewed ones are in 桃花社区, whose
# community reviewer is a demo account.
GROUPS = [
    ("桃花社区夕阳红合唱队", "C01", OFFICER, "culture", S.APPROVED),
    ("桃花社区绿色环保志愿队", "C01", RESIDENT, "charity", S.APPROVED),
    ("桃花社区老年门球队", "C01", RESIDENT, "culture", "expired"),
    ("桃花社区读书会", "C01", RESIDENT, "culture", "deregistered"),
    ("桃花社区书法协会", "C01", RESIDENT, "culture", S.RETURNED),
    ("桃花社区广场舞队", "C01", RESIDENT, "culture", S.COMMUNITY_REVIEW),
    ("桃花社区邻里助餐服务队", "C01", RESIDENT, "service", S.STREET_REVIEW),
    ("桃花社区棋牌社", "C01", RESIDENT, "other", S.REFUSED),
    ("柳塘社区太极拳队", "C02", RESIDENT, "culture", S.DRAFT),
]


def person(phone):
    return db.session.scalar(select(User).where(User.phone == phone))


def load_demo_orgs():
    for index, (name, code, applicant, kind, end) in enumerate(GROUPS):
        if db.session.scalar(select(Filing.id).where(Filing.name == name)):
            continue
        build(index, name, code, person(applicant), kind, end)


def build(index, name, code, applicant, kind, end):
    community = db.session.scalar(select(Community).where(Community.code == code))
    filing = Filing(
        applicant=applicant,
        community=community,
        name=name,
        kind=kind,
        scope=f"{name}：组织社区居民每周开展活动，参加社区公益和文体活动。",
        leader_name=applicant.name,
        leader_phone=applicant.phone,
        venue=f"{community.name}党群服务中心活动室",
        venue_shared=True,
        charter_fields=json.dumps(CHARTER, ensure_ascii=False),
    )
    for i in range(10):
        filing.people.append(
            FilingPerson(
                role="founder" if i < 2 else "member",
                name=f"{SURNAMES[i]}{'阿姨' if i % 2 else '师傅'}",
                phone=f"139{index:02d}00{i:04d}",
                staff=i < 3,
            )
        )
    if applicant.phone != RESIDENT:
        # The demo resident sings in the choir: listed, told, and free to decline.
        resident = person(RESIDENT)
        filing.people[-1] = FilingPerson(name=resident.name, phone=resident.phone, user=resident)
    db.session.add(filing)
    db.session.commit()
    if end == S.DRAFT:
        return
    FLOW.apply(filing, "submit", applicant)
    if end == S.COMMUNITY_REVIEW:
        return
    reviewer, street = person(COMMUNITY), person(STREET)
    if end == S.RETURNED:
        FLOW.apply(
            filing,
            "return",
            reviewer,
            reasons={"people": "名单里有两位不住在本社区，请核实后补充本社区居民。"},
        )
        return
    if end == S.REFUSED:
        FLOW.apply(filing, "refuse", reviewer, reason="棋牌活动不宜作为社区社会组织备案。")
        return
    FLOW.apply(filing, "pass", reviewer)
    if end == S.STREET_REVIEW:
        return
    FLOW.apply(filing, "approve", street)
    org = filing.org
    if end == "expired":
        org.valid_until = utcnow() - timedelta(days=1)
        db.session.commit()
        lifecycle.expiry_tick()
    elif end == "deregistered":
        lifecycle.deregister(org, applicant, "成员大多搬离了社区。")
