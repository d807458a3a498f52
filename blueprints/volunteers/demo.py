"""Demo volunteers, activities past and future, a full shift with a waitlist, hours in every
state and a certificate. Future sign-ups go through the real workflow; the past is written as
it would have been left. Safe to run again (each activity is looked up by its title)."""

import json
from datetime import date, timedelta

from sqlalchemy import select

from blueprints.auth.demo import DEMO_PASSWORD
from blueprints.auth.models import User
from blueprints.orgs.models import Org
from blueprints.places.models import Community, Grid
from blueprints.util.times import utcnow
from blueprints.volunteers import hours, signups
from blueprints.volunteers.activities import new_code
from blueprints.volunteers.models import (
    Activity,
    Certificate,
    HoursEvent,
    HoursRecord,
    Shift,
    Signup,
    VolunteerProfile,
)
from blueprints.volunteers.profiles import new_number
from blueprints.volunteers.rules import minutes_served
from extensions import db

# phone, account name, real name, birth date, grid, skills, lets a grid worker help
VOLUNTEERS = [
    ("13800000001", "张阿姨", "张桂兰", date(1956, 4, 12), "G01", "care,clean", True),
    ("13800000021", "王大伯", "王建国", date(1960, 9, 1), "G01", "repair,order", False),
    ("13800000022", "赵阿姨", "赵秀英", date(1963, 1, 20), "G02", "care,art", False),
    ("13800000024", "刘同学", "刘思源", date(2010, 6, 5), "G02", "tech", False),
]
GUARDIANS = {"13800000024": "13800000022"}


def person(phone, name, grid):
    user = db.session.scalar(select(User).where(User.phone == phone))
    if user is None:
        user = User(phone=phone, name=name, grid=grid)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.flush()
    return user


def demo_profiles(c01):
    """The demo volunteers' profiles by phone, a child's with their guardian's consent."""
    grids = {g.code: g for g in db.session.scalars(select(Grid))}
    people = {}
    for phone, name, real, born, grid, skills, proxy in VOLUNTEERS:
        user = person(phone, name, grids[grid])
        profile = db.session.scalar(
            select(VolunteerProfile).where(VolunteerProfile.user_id == user.id)
        )
        if profile is None:
            profile = VolunteerProfile(
                user_id=user.id,
                real_name=real,
                birth_date=born,
                community_id=c01.id,
                skills=skills,
                proxy_consent=proxy,
                number=new_number(c01),
                rules_accepted_at=utcnow(),
            )
            db.session.add(profile)
        people[phone] = profile
    for child, guardian in GUARDIANS.items():
        profile = people[child]
        if not profile.guardian_phone:
            profile.guardian_user_id = people[guardian].user_id
            profile.guardian_phone = guardian
            profile.guardian_name = people[guardian].real_name
            profile.guardian_consent_at = utcnow()
    db.session.commit()
    return people


def load_demo_volunteers():
    c01 = db.session.scalar(select(Community).where(Community.code == "C01"))
    people = demo_profiles(c01)
    organizer = db.session.scalar(select(User).where(User.phone == "13800000002"))
    now = utcnow().replace(second=0, microsecond=0)
    full = future_activity(
        c01,
        organizer,
        "社区助老送餐",
        "给独居老人送午餐，每人负责一栋楼。",
        "桃花社区食堂",
        now + timedelta(days=3, hours=2),
        capacity=2,
        skills="care",
    )
    if not full.shifts[0].signups:
        for phone in ("13800000021", "13800000022", "13800000024"):
            signups.join_shift(full.shifts[0], people[phone], people[phone].user)
    open_one = future_activity(
        c01,
        organizer,
        "垃圾分类宣传",
        "在小区门口教大家垃圾分类。",
        "桃花社区东门广场",
        now + timedelta(days=5, hours=1),
        capacity=10,
        skills="clean",
    )
    if not open_one.shifts[0].signups:
        signups.join_shift(open_one.shifts[0], people["13800000021"], people["13800000021"].user)
    choir = db.session.scalar(select(Org).where(Org.state == "active", Org.officer_id.is_not(None)))
    if choir is not None:
        future_activity(
            choir.community,
            choir.officer,
            "合唱队进社区慰问演出",
            "合唱队到养老院演出，需要志愿者帮忙搬椅子、扶老人入座。",
            "桃花社区养老院",
            now + timedelta(days=6, hours=3),
            capacity=6,
            skills="care",
            org=choir,
        )
    past = past_activity(c01, organizer, "重阳节敬老活动", now - timedelta(days=10))
    if not past.shifts[0].signups:
        shift = past.shifts[0]
        attended(shift, people["13800000021"], "approved")
        attended(shift, people["13800000022"], "pending")
        attended(shift, people["13800000024"], "declined", reason="当天没有在岗记录")
        older = past_activity(c01, organizer, "楼道大扫除", now - timedelta(days=24))
        attended(older.shifts[0], people["13800000022"], "pending", overdue=True)
        attended(older.shifts[0], people["13800000021"], "approved")
        db.session.commit()
    wang = people["13800000021"]
    if not db.session.scalar(select(Certificate.id).where(Certificate.profile_id == wang.id)):
        hours.issue_certificate(wang)


def future_activity(community, organizer, title, text, place, start, capacity, skills, org=None):
    activity = db.session.scalar(select(Activity).where(Activity.title == title))
    if activity is None:
        activity = Activity(
            title=title,
            description=text,
            place=place,
            community_id=community.id,
            org=org,
            contact_name=organizer.name,
            contact_phone=organizer.phone,
            signup_deadline=start - timedelta(hours=12),
            cancel_hours=24,
            created_by_id=organizer.id,
        )
        activity.shifts.append(
            Shift(
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                capacity=capacity,
                min_age=14,
                skills=skills,
                content=title,
                person_in_charge=organizer.name,
                code=new_code(),
            )
        )
        db.session.add(activity)
        db.session.commit()
    return activity


def past_activity(community, organizer, title, start):
    return future_activity(
        community, organizer, title, title, "桃花社区活动中心", start, capacity=10, skills=""
    )


def attended(shift, profile, state, reason="", overdue=False):
    """A sign-up that was checked in and out, and its hours record left in `state`."""
    arrived = shift.starts_at + timedelta(minutes=10)
    left = shift.ends_at - timedelta(minutes=5)
    signup = Signup(
        shift_id=shift.id,
        profile_id=profile.id,
        state="attended",
        arrived_at=arrived,
        left_at=left,
        queued_at=shift.starts_at - timedelta(days=3),
    )
    db.session.add(signup)
    db.session.flush()
    created = shift.ends_at
    record = HoursRecord(
        signup_id=signup.id,
        profile_id=profile.id,
        shift_id=shift.id,
        activity_title=shift.activity.title,
        served_on=(shift.starts_at + timedelta(hours=8)).date(),
        place=shift.activity.place,
        content=shift.content,
        minutes=minutes_served(shift, arrived, left),
        organizer=shift.activity.organizer,
        person_in_charge=shift.person_in_charge,
        community_id=shift.activity.community_id,
        state=state,
        reason=reason,
        deadline_at=(created + timedelta(days=14)) if state == "pending" else None,
        created_at=created,
    )
    record.events.append(HoursEvent(action="record", to_state="pending", at=created))
    if state != "pending":
        record.events.append(
            HoursEvent(
                action="approve" if state == "approved" else "decline",
                from_state="pending",
                to_state=state,
                note=reason,
                detail_params=json.dumps({}),
                at=created + timedelta(days=1),
            )
        )
    if overdue:
        record.deadline_at = utcnow() - timedelta(days=1)
    db.session.add(record)
