"""Everything Linli holds about one person, gathered for the "my data" page and its download."""

from sqlalchemy import or_, select

from blueprints.core.roles import ROLES
from blueprints.orgs.models import Filing, FilingPerson, MemberPhoneReveal, Org, OrgMember
from blueprints.reports.models import PhoneReveal, Report
from blueprints.util.times import local
from blueprints.volunteers.models import Certificate, HoursRecord, Signup, VolunteerProfile
from extensions import db


def when(dt):
    return local(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def own_reports(user):
    """Reports linked to this account: filed from it, or taken into it through the claim flow
    (reports/claims.py). A report filed without an account is never reached by its phone alone:
    whoever signs up with a number must not read what its earlier holder reported."""
    return db.session.scalars(
        select(Report).where(Report.reporter_id == user.id).order_by(Report.id)
    ).all()


def office_of(viewer):
    """Which office looked: the viewer's roles and places, never the person's name."""
    offices = [f"{ROLES[g.role]}{' · ' + str(g.place) if g.place else ''}" for g in viewer.grants]
    return "、".join(offices) or str(ROLES["resident"])


def phone_views(user, reports):
    """Who (by office) saw this person's full phone number, and when: on their reports, and on
    the organization lists they are on."""
    seen = []
    if reports:
        for reveal in db.session.scalars(
            select(PhoneReveal)
            .where(PhoneReveal.report_id.in_([r.id for r in reports]))
            .order_by(PhoneReveal.at)
        ):
            seen.append(
                {
                    "at": when(reveal.at),
                    "office": office_of(reveal.user),
                    "about": reveal.report.ref,
                }
            )
    listings = db.session.execute(
        select(FilingPerson.filing_id, FilingPerson.name).where(FilingPerson.user_id == user.id)
    ).all()
    memberships = db.session.execute(
        select(OrgMember.org_id, OrgMember.name).where(OrgMember.user_id == user.id)
    ).all()
    clauses = [
        (MemberPhoneReveal.filing_id == fid) & (MemberPhoneReveal.whose == name)
        for fid, name in listings
    ] + [
        (MemberPhoneReveal.org_id == oid) & (MemberPhoneReveal.whose == name)
        for oid, name in memberships
    ]
    if clauses:
        for reveal in db.session.scalars(
            select(MemberPhoneReveal).where(or_(*clauses)).order_by(MemberPhoneReveal.at)
        ):
            seen.append({"at": when(reveal.at), "office": office_of(reveal.user), "about": ""})
    return sorted(seen, key=lambda s: s["at"])


def gather(user):
    """A plain dict of everything held about `user`: the page shows it, the download is it."""
    reports = own_reports(user)
    profile = db.session.scalar(select(VolunteerProfile).where(VolunteerProfile.user_id == user.id))
    data = {
        "account": {
            "phone": user.phone,
            "name": user.name,
            "grid": str(user.grid) if user.grid else "",
            "language": user.locale,
            "created": when(user.created_at),
            "roles": [f"{ROLES[g.role]} {g.place or ''}".strip() for g in user.grants],
        },
        "reports": [
            {
                "ref": r.ref,
                "submitted": when(r.created_at),
                "category": r.category.name_zh,
                "state": r.state,
                "description": r.description,
                "address": r.address,
                "name_given": r.reporter_name,
                "phone_given": r.reporter_phone,
                "rating": r.rating,
                "comment": r.rating_comment,
            }
            for r in reports
        ],
        "filings": [
            {
                "name": f.name,
                "state": f.state,
                "leader_name": f.leader_name,
                "leader_phone": f.leader_phone,
                "venue": f.venue,
                "created": when(f.created_at),
            }
            for f in db.session.scalars(
                select(Filing).where(Filing.applicant_id == user.id).order_by(Filing.id)
            )
        ],
        "listed_on_filings": [
            {
                "filing": p.filing.name,
                "role": p.role,
                "name": p.name,
                "phone": p.phone,
                "status": p.status,
            }
            for p in db.session.scalars(select(FilingPerson).where(FilingPerson.user_id == user.id))
        ],
        "organizations": [
            {
                "org": m.org.name,
                "role": m.role,
                "name": m.name,
                "phone": m.phone,
                "status": m.status,
            }
            for m in db.session.scalars(select(OrgMember).where(OrgMember.user_id == user.id))
        ],
        "officer_of": [
            o.name for o in db.session.scalars(select(Org).where(Org.officer_id == user.id))
        ],
        "volunteer": None,
        "phone_views": phone_views(user, reports),
    }
    if profile:
        data["volunteer"] = {
            "number": profile.number,
            "real_name": profile.real_name,
            "birth_date": profile.birth_date.isoformat(),
            "id_number": profile.id_masked,
            "skills": profile.skills,
            "availability": profile.availability,
            "guardian_name": profile.guardian_name,
            "guardian_phone": profile.guardian_phone,
            "signups": [
                {
                    "activity": s.shift.activity.title,
                    "starts": when(s.shift.starts_at),
                    "state": s.state,
                }
                for s in db.session.scalars(
                    select(Signup).where(Signup.profile_id == profile.id).order_by(Signup.id)
                )
            ],
            "hours": [
                {
                    "activity": h.activity_title,
                    "served_on": h.served_on.isoformat(),
                    "hours": h.hours,
                    "state": h.state,
                    "organizer": h.organizer,
                }
                for h in db.session.scalars(
                    select(HoursRecord)
                    .where(HoursRecord.profile_id == profile.id)
                    .order_by(HoursRecord.served_on)
                )
            ],
            "certificates": [
                c.number
                for c in db.session.scalars(
                    select(Certificate).where(Certificate.profile_id == profile.id)
                )
            ],
        }
    return data
