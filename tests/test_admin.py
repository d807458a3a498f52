"""Admin pages: places, categories, accounts and role grants."""

import gzip
import html
import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from blueprints.auth.models import AccountEvent, RoleGrant, User
from blueprints.places.models import Community, Department, Grid, Street
from blueprints.reports.models import Category
from extensions import db
from tests.people import ADMIN, GRID_WORKER, RESIDENT


def fetch(model, **where):
    db.session.expire_all()
    return db.session.scalar(select(model).filter_by(**where))


def user_id(phone):
    return fetch(User, phone=phone).id


def events(phone):
    db.session.expire_all()
    return db.session.scalars(
        select(AccountEvent).where(AccountEvent.user_id == user_id(phone)).order_by(AccountEvent.id)
    ).all()


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def admin(client, demo, login_as, ctx):
    login_as(ADMIN)
    return client


# Who may open the admin pages


ADMIN_PAGES = [
    ("get", "/admin/"),
    ("get", "/admin/users"),
    ("get", "/admin/grids"),
    ("get", "/admin/grids/new"),
    ("get", "/admin/grids/{grid}/edit"),
    ("post", "/admin/grids/{grid}/toggle"),
    ("get", "/admin/users/{user}"),
    ("post", "/admin/users/{user}"),
    ("post", "/admin/users/{user}/grants"),
    ("post", "/admin/users/{worker}/grants/{grant}/delete"),
]


def real(url):
    """Fill a URL pattern with the ids of demo rows."""
    worker = fetch(User, phone=GRID_WORKER)
    return url.format(
        grid=fetch(Grid, code="G01").id,
        user=user_id(RESIDENT),
        worker=worker.id,
        grant=worker.grants[0].id,
    )


@pytest.mark.parametrize(("method", "url"), ADMIN_PAGES)
def test_anonymous_is_sent_to_login(client, demo, ctx, method, url):
    response = getattr(client, method)(real(url), data={})
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("phone", [RESIDENT, GRID_WORKER])
@pytest.mark.parametrize(("method", "url"), ADMIN_PAGES)
def test_other_roles_are_refused(client, demo, login_as, ctx, phone, method, url):
    login_as(phone)
    response = getattr(client, method)(real(url), data={"active": "0", "name": "x"})
    assert response.status_code == 403
    assert fetch(Grid, code="G01").active
    assert fetch(User, phone=RESIDENT).name == "张阿姨"


def test_home_lists_what_admins_manage(admin):
    page = text(admin.get("/admin/"))
    for label in ("用户和角色", "街道", "社区", "网格", "部门", "问题分类"):
        assert label in page


@pytest.mark.parametrize(
    "url",
    [
        "/admin/nothing",
        "/admin/nothing/new",
        "/admin/nothing/1/edit",
        "/admin/users/new",
        "/admin/grids/999999999/edit",
        "/admin/users/999999999",
    ],
)
def test_unknown_kind_or_id_is_404(admin, url):
    assert admin.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/admin/nothing/1/toggle",
        "/admin/grids/999999999/toggle",
        "/admin/users/999999999/grants",
        "/admin/users/999999999/grants/1/delete",
    ],
)
def test_unknown_kind_or_id_is_404_on_post(admin, url):
    assert admin.post(url, data={"active": "0"}).status_code == 404


# Places and categories: create, edit, switch off and on


def new_rows():
    """kind, model, form data, what must be stored."""
    street = fetch(Street, code="S01").id
    community = fetch(Community, code="C01").id
    return [
        ("streets", Street, {"code": "S02", "name": "杏花街道"}, {"name": "杏花街道"}),
        (
            "communities",
            Community,
            {"code": "C03", "name": "梨园社区", "street_id": street},
            {"street_id": street},
        ),
        (
            "grids",
            Grid,
            {"code": "G07", "name": "第四网格", "community_id": community, "households": "301"},
            {"community_id": community, "households": 301},
        ),
        (
            "departments",
            Department,
            {"code": "D05", "name": "住建办", "street_id": street},
            {"street_id": street},
        ),
        (
            "categories",
            Category,
            {
                "code": "pets",
                "name_zh": "宠物扰民",
                "name_en": "Pets",
                "group": "environment",
                "icon": "🐕",
                "hours_accept": "2",
                "hours_sign": "3",
                "hours_handle": "48",
                "hours_verify": "12",
                "sensitive": "y",
            },
            {
                "group": "environment",
                "hours_handle": 48,
                "needs_verification": False,
                "sensitive": True,
            },
        ),
    ]


def test_create_each_kind(admin):
    for kind, model, data, stored in new_rows():
        assert admin.get(f"/admin/{kind}/new").status_code == 200
        response = admin.post(f"/admin/{kind}/new", data=data)
        assert response.status_code == 303, text(response)
        assert response.headers["Location"] == f"/admin/{kind}"
        row = fetch(model, code=data["code"])
        assert row is not None
        assert row.active
        for name, value in stored.items():
            assert getattr(row, name) == value
        listing = text(admin.get(f"/admin/{kind}"))
        assert data["code"] in listing


def test_edit_each_kind(admin):
    for kind, model, data, _stored in new_rows():
        row = fetch(
            model,
            code={
                "streets": "S01",
                "communities": "C01",
                "grids": "G01",
                "departments": "D01",
                "categories": "garbage",
            }[kind],
        )
        row_id, code = row.id, row.code
        page = admin.get(f"/admin/{kind}/{row_id}/edit")
        assert page.status_code == 200
        assert f'value="{code}"' in text(page)
        response = admin.post(f"/admin/{kind}/{row_id}/edit", data=dict(data, code=code + "X"))
        assert response.status_code == 303, text(response)
        assert response.headers["Location"] == f"/admin/{kind}"
        row = fetch(model, id=row_id)
        assert row.code == code + "X"
        name = "name_zh" if kind == "categories" else "name"
        assert getattr(row, name) == data[name]


@pytest.mark.parametrize(
    ("kind", "model", "code"),
    [
        ("streets", Street, "S01"),
        ("communities", Community, "C02"),
        ("grids", Grid, "G03"),
        ("departments", Department, "D02"),
        ("categories", Category, "noise"),
    ],
)
def test_deactivate_and_reactivate(admin, kind, model, code):
    row_id = fetch(model, code=code).id
    response = admin.post(f"/admin/{kind}/{row_id}/toggle", data={"active": "0"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/{kind}/{row_id}/edit"
    assert fetch(model, id=row_id).active is False
    # A retried post leaves it switched off; nothing is deleted.
    admin.post(f"/admin/{kind}/{row_id}/toggle", data={"active": "0"})
    assert fetch(model, id=row_id).active is False
    assert "已停用" in text(admin.get(f"/admin/{kind}"))
    response = admin.post(f"/admin/{kind}/{row_id}/toggle", data={"active": "1"})
    assert response.status_code == 303
    assert fetch(model, id=row_id).active is True


def test_toggle_needs_a_wanted_state(admin):
    g01 = fetch(Grid, code="G01")
    assert admin.post(f"/admin/grids/{g01.id}/toggle", data={}).status_code == 400
    assert fetch(Grid, id=g01.id).active


def test_inactive_parent_stays_selectable_for_its_children_only(admin):
    c02 = fetch(Community, code="C02")
    admin.post(f"/admin/communities/{c02.id}/toggle", data={"active": "0"})
    g04 = fetch(Grid, code="G04")
    assert "柳塘社区（已停用）" in text(admin.get(f"/admin/grids/{g04.id}/edit"))
    assert "柳塘社区" not in text(admin.get("/admin/grids/new")).split("所属社区")[1]


def test_duplicate_code_is_a_field_error(admin):
    g01 = fetch(Grid, code="G01")
    response = admin.post(
        f"/admin/grids/{g01.id}/edit",
        data={
            "code": "G02",
            "name": "新名字",
            "community_id": g01.community_id,
            "households": "12",
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert "编号 G02 已经有了，请换一个。" in page
    assert 'value="新名字"' in page
    assert 'value="12"' in page
    assert fetch(Grid, id=g01.id).name == "第一网格"

    response = admin.post(
        "/admin/categories/new",
        data={
            "code": "garbage",
            "name_zh": "又一个",
            "name_en": "Again",
            "group": "other",
            "hours_accept": "1",
            "hours_sign": "1",
            "hours_handle": "1",
            "hours_verify": "1",
        },
    )
    assert response.status_code == 422
    assert "编号 garbage 已经有了" in text(response)
    assert 'value="又一个"' in text(response)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "", "name": "x"}, "请填写编号"),
        ({"code": "S 1", "name": "x"}, "编号只能用英文字母、数字和下划线"),
        ({"code": "S" * 21, "name": "x"}, "编号不能超过20个字符"),
        ({"code": "S9", "name": ""}, "请填写名称"),
    ],
)
def test_street_form_errors(admin, data, message):
    response = admin.post("/admin/streets/new", data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert fetch(Street, code="S9") is None


def test_forged_parent_is_refused(admin):
    response = admin.post(
        "/admin/grids/new", data={"code": "G99", "name": "x", "community_id": "999999999"}
    )
    assert response.status_code == 422
    assert "请从列表里选一项" in text(response)
    assert fetch(Grid, code="G99") is None


@pytest.mark.parametrize(
    ("hours", "message"),
    [("0", "时限要在1到8760小时之间"), ("abc", "时限请填一个整数"), ("", "请填写时限")],
)
def test_category_hours_must_be_positive_whole_numbers(admin, hours, message):
    data = {
        "code": "pets",
        "name_zh": "宠物",
        "name_en": "Pets",
        "group": "environment",
        "hours_accept": "2",
        "hours_sign": "2",
        "hours_handle": hours,
        "hours_verify": "2",
    }
    response = admin.post("/admin/categories/new", data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert fetch(Category, code="pets") is None


def test_script_text_is_stored_and_shown_escaped(admin):
    name = "<script>alert(1)</script>"
    response = admin.post("/admin/streets/new", data={"code": "S9", "name": name})
    assert response.status_code == 303
    assert fetch(Street, code="S9").name == name
    for url in ("/admin/streets", f"/admin/streets/{fetch(Street, code='S9').id}/edit"):
        page = text(admin.get(url))
        assert name not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_grid_page_lists_its_workers_and_links_to_the_qr_page(admin):
    g01 = fetch(Grid, code="G01")
    page = text(admin.get(f"/admin/grids/{g01.id}/edit"))
    assert "李网格" in page
    assert f'href="/admin/users/{user_id(GRID_WORKER)}"' in page
    assert 'href="/places/grids/G01"' in page


def test_lists_are_keyset_paged_by_code(admin):
    for n in range(105):
        db.session.add(Street(code=f"T{n:03d}", name=f"街道{n}"))
    db.session.commit()
    first = text(admin.get("/admin/streets"))
    assert "编号：T000" in first
    assert "编号：T050" not in first
    # S01 (the demo's street) sorts first: the first page ends at T048.
    assert 'href="/admin/streets?after=T048"' in first
    assert "第一页" not in first
    second = text(admin.get("/admin/streets?after=T048"))
    assert "编号：T049" in second
    assert "编号：T048" not in second
    assert 'href="/admin/streets">第一页</a>' in second
    assert 'href="/admin/streets?after=T098"' in second
    last = text(admin.get("/admin/streets?after=T098"))
    assert "编号：T104" in last
    assert "下一页" not in last


@pytest.mark.parametrize("after", ["T" * 21, "T\x00", "\n"])
def test_a_forged_list_key_is_400(admin, after):
    assert admin.get("/admin/grids", query_string={"after": after}).status_code == 400


# Accounts


def test_user_list_masks_phones_and_searches(admin):
    page = text(admin.get("/admin/users"))
    assert "张阿姨" in page
    assert "138****0001" in page
    assert RESIDENT not in page

    page = text(admin.get("/admin/users?q=0002"))
    assert "李网格" in page
    assert "张阿姨" not in page
    page = text(admin.get("/admin/users?q=张"))
    assert "张阿姨" in page
    assert "李网格" not in page
    page = text(admin.get("/admin/users?q=%25"))
    assert "没有找到账号" in page


def test_user_list_is_keyset_paged_by_id_and_small(admin, create_user):
    for n in range(60):
        create_user(f"139{n:08d}", name=f"居民{n}")
    response = admin.get("/admin/users", headers={"Accept-Encoding": "gzip"})
    assert len(response.data) < 14 * 1024
    page = gzip.decompress(response.data).decode()
    assert page.count("/admin/users/") == 50
    last = db.session.scalars(select(User.id).order_by(User.id).limit(50)).all()[-1]
    assert f'href="/admin/users?after={last}"' in page
    second = text(admin.get(f"/admin/users?after={last}"))
    assert "居民59" in second
    assert "下一页" not in second
    # A search keeps its words on the next page.
    found = text(admin.get("/admin/users?q=居民"))
    link = re.search(r'href="(/admin/users\?[^"]+)">下一页', found).group(1)
    assert parse_qs(urlsplit(html.unescape(link)).query)["q"] == ["居民"]
    assert "居民59" in text(admin.get(html.unescape(link)))
    for forged in ("x", "1.5", "²", "-1", str(2**31), str(2**64)):
        assert admin.get("/admin/users", query_string={"after": forged}).status_code == 400


def test_user_page_shows_the_account(admin):
    response = admin.get(f"/admin/users/{user_id(GRID_WORKER)}")
    page = text(response)
    assert response.status_code == 200
    assert "李网格" in page
    assert "138****0002" in page
    assert GRID_WORKER not in page
    assert "网格员：桃花社区 · 第一网格" in page


def test_edit_user_records_the_change(admin):
    resident = fetch(User, phone=RESIDENT)
    g02 = fetch(Grid, code="G02")
    response = admin.post(
        f"/admin/users/{resident.id}",
        data={"name": "张奶奶", "grid_id": str(g02.id), "active": "y"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/users/{resident.id}"
    resident = fetch(User, id=resident.id)
    assert (resident.name, resident.grid_id, resident.active) == ("张奶奶", g02.id, True)
    [event] = events(RESIDENT)
    assert (event.action, event.detail, event.actor.phone) == (
        "profile_updated",
        "name,grid",
        ADMIN,
    )


def test_deactivate_and_reactivate_user(admin, client):
    resident = fetch(User, phone=RESIDENT)
    data = {"name": "张阿姨", "grid_id": str(resident.grid_id)}
    assert admin.post(f"/admin/users/{resident.id}", data=data).status_code == 303
    assert fetch(User, id=resident.id).active is False
    assert [(e.action, e.actor.phone) for e in events(RESIDENT)] == [("deactivated", ADMIN)]
    page = text(admin.get(f"/admin/users/{resident.id}"))
    assert "停用了账号" in page
    assert "孙管理" in page

    response = admin.post(f"/admin/users/{resident.id}", data=dict(data, active="y"))
    assert response.status_code == 303
    assert fetch(User, id=resident.id).active is True
    assert [e.action for e in events(RESIDENT)] == ["deactivated", "activated"]


def test_deactivated_user_cannot_log_in(admin, client):
    resident = fetch(User, phone=RESIDENT)
    admin.post(f"/admin/users/{resident.id}", data={"name": "张阿姨", "grid_id": "0"})
    admin.post("/auth/logout", data={})
    response = client.post("/auth/login", data={"phone": RESIDENT, "password": "linli-demo"})
    assert response.status_code == 422


def test_admin_cannot_deactivate_themselves(admin):
    me = fetch(User, phone=ADMIN)
    response = admin.post(f"/admin/users/{me.id}", data={"name": "孙管理", "grid_id": "0"})
    assert response.status_code == 422
    assert "不能停用自己的账号。" in text(response)
    assert fetch(User, id=me.id).active is True
    assert events(ADMIN) == []


def test_forged_grid_for_user_is_refused(admin):
    resident = fetch(User, phone=RESIDENT)
    response = admin.post(
        f"/admin/users/{resident.id}",
        data={"name": "张阿姨", "grid_id": "999999999", "active": "y"},
    )
    assert response.status_code == 422
    assert "请从列表里选一项" in text(response)


# Role grants


def test_add_grant_is_recorded(admin):
    resident = fetch(User, phone=RESIDENT)
    g03 = fetch(Grid, code="G03")
    response = admin.post(
        f"/admin/users/{resident.id}/grants",
        data={"role": "grid_worker", "place": f"grid:{g03.id}"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/users/{resident.id}"
    [grant] = fetch(User, id=resident.id).grants
    assert (grant.role, grant.grid_id) == ("grid_worker", g03.id)
    [event] = events(RESIDENT)
    assert (event.action, event.detail, event.actor.phone) == (
        "grant_added",
        "grid_worker grid:G03",
        ADMIN,
    )
    page = text(admin.get(f"/admin/users/{resident.id}"))
    assert "添加了身份：网格员 · 网格 G03" in page
    assert "网格员：桃花社区 · 第三网格" in page


def test_add_admin_grant_everywhere(admin):
    resident = fetch(User, phone=RESIDENT)
    response = admin.post(
        f"/admin/users/{resident.id}/grants", data={"role": "admin", "place": "all"}
    )
    assert response.status_code == 303
    [grant] = fetch(User, id=resident.id).grants
    assert grant.role == "admin"
    assert grant.place is None
    assert [(e.action, e.detail) for e in events(RESIDENT)] == [("grant_added", "admin")]


@pytest.mark.parametrize(
    ("role", "place", "message"),
    [
        ("handler", "grid:{g01}", "职能部门要选一个部门。"),
        ("grid_worker", "all", "网格员要选一个网格。"),
        ("admin", "grid:{g01}", "管理员不分地方"),
        ("grid_worker", "grid:{g01}", "这个账号已经有这个身份了。"),
        ("grid_worker", "grid:999999999", "请从列表里选一项"),
        ("resident", "all", "请从列表里选一项"),
        ("grid_worker", "", "请从列表里选一项"),
    ],
)
def test_add_grant_refusals(admin, role, place, message):
    worker = fetch(User, phone=GRID_WORKER)
    before = len(worker.grants)
    place = place.format(g01=fetch(Grid, code="G01").id)
    response = admin.post(f"/admin/users/{worker.id}/grants", data={"role": role, "place": place})
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert f'<option selected value="{role}">' in page or role == "resident"
    assert len(fetch(User, id=worker.id).grants) == before
    assert events(GRID_WORKER) == []


def test_remove_grant_is_recorded(admin):
    worker = fetch(User, phone=GRID_WORKER)
    grant = next(g for g in worker.grants if g.grid.code == "G02")
    response = admin.post(f"/admin/users/{worker.id}/grants/{grant.id}/delete", data={})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/users/{worker.id}"
    assert fetch(RoleGrant, id=grant.id) is None
    assert [g.grid.code for g in fetch(User, id=worker.id).grants] == ["G01"]
    [event] = events(GRID_WORKER)
    assert (event.action, event.detail, event.actor.phone) == (
        "grant_removed",
        "grid_worker grid:G02",
        ADMIN,
    )


def test_grant_of_another_user_is_404(admin):
    worker = fetch(User, phone=GRID_WORKER)
    resident = fetch(User, phone=RESIDENT)
    grant = worker.grants[0]
    response = admin.post(f"/admin/users/{resident.id}/grants/{grant.id}/delete", data={})
    assert response.status_code == 404
    assert fetch(RoleGrant, id=grant.id) is not None


def test_admin_cannot_remove_their_own_admin_grant(admin):
    me = fetch(User, phone=ADMIN)
    [grant] = me.grants
    assert "不能移除自己的管理员身份" in text(admin.get(f"/admin/users/{me.id}"))
    response = admin.post(f"/admin/users/{me.id}/grants/{grant.id}/delete", data={})
    assert response.status_code == 422
    assert "不能移除自己的管理员身份。请让另一位管理员来操作。" in text(response)
    assert fetch(RoleGrant, id=grant.id) is not None
    assert events(ADMIN) == []


def test_admin_can_remove_another_admins_grant(admin, create_user):
    other = create_user("13900000001", name="钱管理", roles=[("admin", None)])
    grant = fetch(User, id=other).grants[0]
    response = admin.post(f"/admin/users/{other}/grants/{grant.id}/delete", data={})
    assert response.status_code == 303
    assert fetch(User, id=other).grants == []


def test_account_log_is_shown_in_beijing_time(admin):
    resident = fetch(User, phone=RESIDENT)
    db.session.add(
        AccountEvent(user=resident, action="password_changed", at=datetime(2026, 3, 1, 20, 30))
    )
    db.session.commit()
    page = text(admin.get(f"/admin/users/{resident.id}"))
    assert "修改了密码" in page
    assert "2026\u201103\u201102\u00a004:30" in page  # non-breaking: never split on a phone


def test_adding_a_role_without_choosing_a_place_is_refused(client, demo, login_as, ctx):
    login_as(ADMIN)
    resident = db.session.scalar(select(User).where(User.phone == RESIDENT))
    page = client.get(f"/admin/users/{resident.id}").get_data(as_text=True)
    assert '<option selected value="">' in page or '<option value="">' in page
    response = client.post(
        f"/admin/users/{resident.id}/grants", data={"role": "grid_worker", "place": ""}
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert resident.grants == []


def test_a_department_gets_an_english_name(client, demo, login_as, ctx):
    login_as(ADMIN)
    department = db.session.scalar(select(Department).where(Department.code == "D02"))
    street = db.session.scalar(select(Street))
    response = client.post(
        f"/admin/departments/{department.id}/edit",
        data={
            "code": "D02",
            "name": "市政设施所",
            "name_en": "Roads and lights office",
            "street_id": str(street.id),
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert department.name_en == "Roads and lights office"


def category_form(category, **changes):
    data = {
        "code": category.code,
        "name_zh": category.name_zh,
        "name_en": category.name_en,
        "group": category.group,
        "icon": category.icon,
        "hours_accept": "4",
        "hours_sign": "4",
        "hours_handle": "72",
        "hours_verify": "24",
        "questions": category.questions,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ("{not json", "不是正确的 JSON"),
        ('{"code": "x"}', "要是一个列表"),
        ('[{"code": "has space", "datatype": "string", "description": "d"}]', "每个问题要有 code"),
        ('[{"code": "a", "datatype": "colour", "description": "d"}]', "datatype 和 description"),
        ('[{"code": "a", "datatype": "singlevaluelist", "description": "d"}]', "选择题要有 values"),
    ],
)
def test_bad_category_questions_are_refused_and_kept(
    client, demo, login_as, ctx, questions, message
):
    login_as(ADMIN)
    category = db.session.scalar(select(Category).where(Category.code == "garbage"))
    response = client.post(
        f"/admin/categories/{category.id}/edit", data=category_form(category, questions=questions)
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    db.session.expire_all()
    assert category.questions == "[]"


def test_category_questions_are_saved_and_asked(client, demo, login_as, ctx):
    login_as(ADMIN)
    category = db.session.scalar(select(Category).where(Category.code == "garbage"))
    questions = (
        '[{"code": "bags", "datatype": "number", "required": true, "description": "大概几袋"}]'
    )
    response = client.post(
        f"/admin/categories/{category.id}/edit", data=category_form(category, questions=questions)
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert category.question_list[0]["code"] == "bags"
    client.post("/reports/new", data={"category": str(category.id)})
    assert "大概几袋" in client.get("/reports/new/details").get_data(as_text=True)


def test_a_category_can_be_due_in_working_days(client, demo, login_as, ctx):
    login_as(ADMIN)
    category = db.session.scalar(select(Category).where(Category.code == "garbage"))
    too_many = client.post(
        f"/admin/categories/{category.id}/edit", data=category_form(category, handle_workdays="99")
    )
    assert too_many.status_code == 422
    assert "工作日要在0到60之间" in too_many.get_data(as_text=True)
    done = client.post(
        f"/admin/categories/{category.id}/edit", data=category_form(category, handle_workdays="3")
    )
    assert done.status_code == 303
    db.session.expire_all()
    assert category.handle_workdays == 3
