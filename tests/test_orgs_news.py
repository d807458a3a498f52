"""What an applicant hears of each decision on their filing: the inbox and a text message, in
plain words that say what changed, in the applicant's own language."""

from flask_babel import force_locale
from sqlalchemy import select

from blueprints.notices.models import Notice
from extensions import db
from tests import test_orgs
from tests.conftest import SENT
from tests.people import COMMUNITY_REVIEWER, ORG_OFFICER, STREET_REVIEWER, person
from tests.test_orgs import act, stored

submitted = test_orgs.submitted  # the fixture: an application waiting for the community


def texts_to(phone):
    """What the console sender delivered to this phone, oldest first."""
    return [text for to, text in SENT if to == phone]


def test_the_applicant_hears_the_approval_with_its_number(client, submitted, login_as, ctx):
    login_as(COMMUNITY_REVIEWER)
    assert act(client, submitted, "pass").status_code == 303
    link = f"http://127.0.0.1:5000/orgs/f/{submitted}"
    assert texts_to(ORG_OFFICER) == [
        f"【邻里】您的备案申请社区已初审通过，现在由街道审核。详情：{link}"
    ]
    login_as(STREET_REVIEWER)
    assert act(client, submitted, "approve").status_code == 303
    number = stored(submitted).org.number
    assert texts_to(ORG_OFFICER)[-1] == (
        f"【邻里】您的备案申请已准予备案，备案编号 {number}。详情：{link}"
    )
    login_as(ORG_OFFICER)
    inbox = client.get("/notices/").get_data(as_text=True)
    assert f"已准予备案，备案编号 {number}" in inbox


def test_a_return_names_the_reasons_and_an_english_applicant_reads_english(
    client, submitted, login_as, ctx
):
    officer = person(ORG_OFFICER)
    officer.locale = "en"
    db.session.commit()
    login_as(COMMUNITY_REVIEWER)  # the reviewer works in Chinese
    reason = "成员名单里有两位不是本社区居民"
    assert act(client, submitted, "return", reason_people=reason).status_code == 303
    (text,) = texts_to(ORG_OFFICER)
    assert text.startswith("[Linli] Your group's application was returned for changes.")
    assert reason not in text  # the text links to it: what anyone typed is never texted
    assert "您的" not in text
    assert "修改" not in text
    notice = db.session.scalar(select(Notice).where(Notice.user_id == officer.id))
    with force_locale("en"):  # the inbox is read in the reader's language
        assert reason in notice.message
        assert "was returned for changes" in notice.message


def test_a_refusal_gives_the_reason(client, submitted, login_as, ctx):
    login_as(COMMUNITY_REVIEWER)
    assert act(client, submitted, "refuse", reason="活动内容不属于社区社会组织").status_code == 303
    assert texts_to(ORG_OFFICER) == [
        f"【邻里】您的备案申请不予备案，原因请看：http://127.0.0.1:5000/orgs/f/{submitted}"
    ]
    login_as(ORG_OFFICER)
    assert "活动内容不属于社区社会组织" in client.get(f"/orgs/f/{submitted}").get_data(as_text=True)
