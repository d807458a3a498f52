"""What people hear of an application: the reviewers of what waits for them, the applicant of
each decision (inbox and text), the people it lists, and the clock's reminders and overdue
marks. The filing flow (blueprints/orgs/workflow.py) calls these; its steps send nothing."""

from blueprints.auth.people import staff_for
from blueprints.core.roles import Role
from blueprints.notices.services import notify
from blueprints.notices.sms import message, send_sms
from blueprints.orgs.models import REVIEW_STATES, FilingState
from blueprints.util.words import N_
from blueprints.web.links import public_url

# What the applicant is told of each decision, in plain words: in the inbox with the filing's
# name and the reviewer's reasons, by text in fixed words with a link to them.
APPLICANT_NEWS = {
    "pass": N_("您的备案申请“%(name)s”社区已初审通过，现在由街道审核。"),
    "approve": N_("您的备案申请“%(name)s”已准予备案，备案编号 %(number)s。"),
    "return": N_("您的备案申请“%(name)s”被退回，需要修改：%(reason)s。改好后请重新提交。"),
    "refuse": N_("您的备案申请“%(name)s”不予备案，原因：%(reason)s"),
}
APPLICANT_TEXTS = {
    "pass": N_("【邻里】您的备案申请社区已初审通过，现在由街道审核。详情：%(link)s"),
    "approve": N_("【邻里】您的备案申请已准予备案，备案编号 %(number)s。详情：%(link)s"),
    "return": N_("【邻里】您的备案申请被退回，需要修改。要改的地方请看：%(link)s"),
    "refuse": N_("【邻里】您的备案申请不予备案，原因请看：%(link)s"),
}
REASON_SHOWN = 120  # characters of the reviewer's reasons in an inbox message


def filing_url(filing):
    """The application's page, as stored in inbox messages (written outside requests too)."""
    return f"/orgs/f/{filing.id}"


def reviewers(filing, state):
    """Who decides an application in this review state."""
    role = (
        Role.COMMUNITY_REVIEWER if state == FilingState.COMMUNITY_REVIEW else Role.STREET_REVIEWER
    )
    return staff_for(role, filing.community)


def tell(filing, action, before, after):
    """Whoever a step of the filing concerns: the reviewers it now waits for (or no longer
    does), the applicant of a decision, the people listed when it is first sent."""
    url = filing_url(filing)
    if action in ("submit", "resubmit"):
        tell_listed_people(filing)
    if after in REVIEW_STATES and after != before:
        notify(
            reviewers(filing, after),
            N_("有一份社会组织备案申请等您审核：%(name)s"),
            url,
            name=filing.name,
        )
    if action in APPLICANT_NEWS:
        tell_applicant(filing, action, url)
    if action == "withdraw" and before in REVIEW_STATES:
        notify(
            reviewers(filing, before),
            N_("备案申请“%(name)s”已被申请人撤回"),
            url,
            name=filing.name,
        )


def tell_applicant(filing, action, url):
    """The applicant's inbox and phone hear the decision, in the applicant's language."""
    reason = filing.events[-1].note if filing.events else ""
    number = filing.org.number if filing.org else ""
    params = {"name": filing.name, "number": number, "reason": reason[:REASON_SHOWN]}
    applicant = filing.applicant
    notify([applicant], APPLICANT_NEWS[action], url, **params)
    if applicant.phone:
        given = {"number": number} if action == "approve" else {}
        text = message(applicant.locale, APPLICANT_TEXTS[action], link=public_url(url), **given)
        send_sms(applicant.phone, text)


def tell_listed_people(filing):
    """Everyone listed who has an account hears of it once, and may decline."""
    for person in filing.people:
        if person.user_id and not person.told and person.user_id != filing.applicant_id:
            person.told = True
            msgid = (
                N_("“%(name)s”的备案申请把您列为发起人。不同意的话，可以点这里说明。")
                if person.role == "founder"
                else N_("“%(name)s”的备案申请把您列为成员。不同意的话，可以点这里说明。")
            )
            notify([person.user], msgid, f"/orgs/listed/{person.id}", name=filing.name)


def remind(filing):
    notify(
        reviewers(filing, filing.state),
        N_("备案申请“%(name)s”明天到审核时限，请尽快决定"),
        filing_url(filing),
        name=filing.name,
    )


def overdue(filing):
    notify(
        [*reviewers(filing, filing.state), *staff_for(Role.ADMIN, filing.community)],
        N_("备案申请“%(name)s”已超过审核时限"),
        filing_url(filing),
        name=filing.name,
    )


def tell_declined(person, filing):
    """The applicant hears that someone listed does not agree to be."""
    notify(
        [filing.applicant],
        N_("%(person)s 不同意被列入“%(name)s”的名单，请看看人数还够不够"),
        filing_url(filing),
        person=person.name,
        name=filing.name,
    )
