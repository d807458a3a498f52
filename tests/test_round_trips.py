"""A step's POST answers with the next step itself when htmx sent it (one exchange instead of
POST, 303 and GET), pushing the next step's address; a plain form still gets its 303."""

from sqlalchemy import select

from blueprints.reports.models import Report, ReportDraft
from extensions import db
from tests.factories import create_profile, create_shift
from tests.people import ORG_OFFICER, RESIDENT
from tests.test_orgs import start, stored
from tests.test_reports import category, grid

BOOSTED = {"HX-Request": "true", "HX-Request-Type": "full", "HX-Boosted": "true"}


def walk(client, headers):
    """The report form's steps; returns each POST's answer."""
    answers = [
        client.post("/reports/new", data={"category": category("garbage").id}, headers=headers)
    ]
    details = {"description": "垃圾桶满了没人收", "grid": grid("G01").id, "address": "5栋"}
    answers.append(client.post("/reports/new/details", data=details, headers=headers))
    answers.append(client.post("/reports/new/photos", data={}, headers=headers))
    key = client.get("/reports/new/check").get_data(as_text=True).split('name="key" value="')[1]
    sent = {"key": key.split('"')[0], "phone": "13900001111"}
    answers.append(client.post("/reports/new/check", data=sent, headers=headers))
    return answers


def test_each_step_answers_with_the_next_page_for_htmx(client, demo, ctx):
    answers = walk(client, BOOSTED)
    assert [a.status_code for a in answers] == [200] * 4
    pushed = [a.headers["HX-Push-Url"] for a in answers]
    assert pushed[:3] == ["/reports/new/details", "/reports/new/photos", "/reports/new/check"]
    report = db.session.scalar(select(Report).where(Report.description == "垃圾桶满了没人收"))
    assert pushed[3] == f"/reports/{report.ref}?new=1"
    assert "问题和地点" in answers[0].get_data(as_text=True)
    assert "请核对后提交" in answers[2].get_data(as_text=True)
    # The receipt the next page shows is the one the POST just gave.
    assert "已收到您的反映" in answers[3].get_data(as_text=True)
    assert report.reporter_phone == "13900001111"
    assert report.address == "5栋"


def test_a_plain_form_still_gets_post_redirect_get(client, demo, ctx):
    answers = walk(client, {})
    assert [a.status_code for a in answers] == [303] * 4
    assert answers[0].headers["Location"] == "/reports/new/details"
    assert all("HX-Push-Url" not in a.headers for a in answers)


def test_choosing_a_category_costs_no_form_post(client, demo, ctx):
    """The first step's tap is a GET of the details step with the category: nothing is stored
    yet, and the CSRF token stays out of the address. The details step's POST keeps it."""
    page = client.get("/reports/new").get_data(as_text=True)
    chooser = page.split('<form method="get" action="/reports/new/details">')[1].split("</form>")[0]
    assert f'name="category" value="{category("garbage").id}"' in chooser
    assert "csrf_token" not in chooser
    shown = client.get(f"/reports/new/details?category={category('garbage').id}", headers=BOOSTED)
    assert shown.status_code == 200
    assert "分类：垃圾堆放" in shown.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(ReportDraft)) == 0
    details = {
        "category": category("garbage").id,
        "description": "垃圾桶满了没人收",
        "grid": grid("G01").id,
        "address": "5栋",
    }
    assert client.post("/reports/new/details", data=details).status_code == 303
    client.post("/reports/new/photos", data={})
    key = client.get("/reports/new/check").get_data(as_text=True).split('name="key" value="')[1]
    assert client.post("/reports/new/check", data={"key": key.split('"')[0]}).status_code == 303
    report = db.session.scalar(select(Report).where(Report.description == "垃圾桶满了没人收"))
    assert report.category.code == "garbage"


def test_a_forged_or_retired_category_goes_back_to_the_first_step(client, demo, ctx):
    assert client.get("/reports/new/details?category=99999").headers["Location"] == "/reports/new"
    assert client.get("/reports/new/details?category=abc").headers["Location"] == "/reports/new"
    retired = category("garbage")
    retired.active = False
    db.session.commit()
    answer = client.get(f"/reports/new/details?category={retired.id}")
    assert answer.headers["Location"] == "/reports/new"
    forged = {"category": retired.id, "description": "垃圾桶满了没人收", "grid": grid("G01").id}
    assert client.post("/reports/new/details", data=forged).headers["Location"] == "/reports/new"
    assert db.session.scalar(select(db.func.count()).select_from(ReportDraft)) == 0


def test_a_step_with_errors_is_answered_as_before(client, demo, ctx):
    client.post("/reports/new", data={"category": category("garbage").id})
    answer = client.post("/reports/new/details", data={"description": ""}, headers=BOOSTED)
    assert answer.status_code == 422
    assert "HX-Push-Url" not in answer.headers
    assert "请说说遇到了什么问题" in answer.get_data(as_text=True)


def test_an_org_application_step_answers_with_the_next_step(client, demo, ctx, login_as):
    login_as(ORG_OFFICER)
    fid = start(client)
    answer = client.post(f"/orgs/f/{fid}/step/kind", data={"kind": "culture"}, headers=BOOSTED)
    assert answer.status_code == 200
    assert answer.headers["HX-Push-Url"].startswith(f"/orgs/f/{fid}/")
    assert stored(fid).kind == "culture"


def test_a_volunteer_sign_up_answers_with_the_sign_up_page(client, demo, ctx, login_as):
    login_as(RESIDENT)
    create_profile(RESIDENT, name="张桂兰")
    shift = create_shift()
    answer = client.post(f"/volunteers/shifts/{shift.id}/join", data={}, headers=BOOSTED)
    assert answer.status_code == 200
    assert answer.headers["HX-Push-Url"].startswith("/volunteers/signups/")
    assert "报名成功，您已报上。" in answer.get_data(as_text=True)
