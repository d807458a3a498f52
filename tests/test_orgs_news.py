"""What an applicant hears of each decision on their filing: the inbox and a text message, in
plain words that say what changed, in the applicant's own language."""

from flask_babel import force_locale
from sqlalchemy import select

from blueprints.notices.models import Notice
from extensions import db
from tests import test_orgs
from tests.conftest import SENT
from tests.test_orgs import COMMUNITY, OFFICER, STREET, act, stored, user

submitted = test_orgs.submitted  # the fixture: an application waiting for the community


def texts_to(phone):
    """What the console sender delivered to this phone, oldest first."""
    return [text for to, text in SENT if to == phone]


def test_the_applicant_hears_the_approval_with_its_number(client, submitted, login_as, ctx):
    login_as(COMMUNITY)
    assert act(client, submitted, "pass").status_code == 303
    assert texts_to(OFFICER) == [
        "【邻里】您的备案申请“桃花社区夕阳红合唱队”社区已初审通过，现在由街道审核。"
    ]
    login_as(STREET)
    assert act(client, submitted, "approve").status_code == 303
    number = stored(submitted).org.number
    assert texts_to(OFFICER)[-1] == (
        f"【邻里】您的备案申请“桃花社区夕阳红合唱队”已准予备案，备案编号 {number}。"
    )
    login_as(OFFICER)
    inbox = client.get("/notices/").get_data(as_text=True)
    assert f"已准予备案，备案编号 {number}" in inbox


def test_a_return_names_the_reasons_and_an_english_applicant_reads_english(
    client, submitted, login_as, ctx
):
    officer = user(OFFICER)
    officer.locale = "en"
    db.session.commit()
    login_as(COMMUNITY)  # the reviewer works in Chinese
    reason = "成员名单里有两位不是本社区居民"
    assert act(client, submitted, "return", reason_people=reason).status_code == 303
    (text,) = texts_to(OFFICER)
    assert text.startswith("[Linli] Your application") and reason in text
    assert "您的" not in text and "修改" not in text
    notice = db.session.scalar(select(Notice).where(Notice.user_id == officer.id))
    with force_locale("en"):  # the inbox is read in the reader's language
        assert reason in notice.message and "was returned for changes" in notice.message


def test_a_refusal_gives_the_reason(client, submitted, login_as, ctx):
    login_as(COMMUNITY)
    assert act(client, submitted, "refuse", reason="活动内容不属于社区社会组织").status_code == 303
    assert texts_to(OFFICER) == [
        "【邻里】您的备案申请“桃花社区夕阳红合唱队”不予备案，原因：活动内容不属于社区社会组织"
    ]
