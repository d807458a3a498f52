"""Admin pages for users, roles, places and report categories.

GET       /admin/                               home          what an admin can manage
GET       /admin/<kind>                         index         one kind's list (users: a search)
GET POST  /admin/<kind>/new                     new           create a place or category
GET POST  /admin/<kind>/<id>/edit               edit          change one
POST      /admin/<kind>/<id>/toggle             toggle        switch it off, or on again
GET POST  /admin/users/<id>                     show_user     an account, its roles and its log
POST      /admin/users/<id>/grants              add_grant     give it a role in a place
POST      /admin/users/<id>/grants/<gid>/delete remove_grant  take a role away

Nothing is ever deleted except a role grant; the account log keeps a line for it.
"""

from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.admin import services
from blueprints.admin.forms import (
    CategoryForm,
    CommunityForm,
    DepartmentForm,
    GrantForm,
    GridForm,
    StreetForm,
    UserForm,
)
from blueprints.auth.models import RoleGrant, User
from blueprints.auth.people import grid_roster
from blueprints.core.access import allow
from blueprints.core.errors import Refused
from blueprints.core.roles import ROLES, Role
from blueprints.places.models import Community, Department, Grid, Street
from blueprints.reports.models import Category
from blueprints.web import pages
from blueprints.web.htmx import render
from blueprints.web.inputs import parse_id
from extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@dataclass(frozen=True)
class Kind:
    model: type
    form: type
    title: str
    # (label, value) pairs shown under each row's name in the list.
    columns: tuple = ()
    # (label, test) pairs: a tag shown on rows where the test holds.
    tags: tuple = ()
    # form field → function(current id) giving its choices.
    choices: dict = field(default_factory=dict)


KINDS = {
    "streets": Kind(Street, StreetForm, _l("街道")),
    "communities": Kind(
        Community,
        CommunityForm,
        _l("社区"),
        columns=((_l("所属街道"), lambda c: c.street.name),),
        choices={"street_id": services.street_choices},
    ),
    "grids": Kind(
        Grid,
        GridForm,
        _l("网格"),
        columns=((_l("户数"), lambda g: _("未填") if g.households is None else g.households),),
        choices={"community_id": services.community_choices},
    ),
    "departments": Kind(
        Department,
        DepartmentForm,
        _l("部门"),
        columns=((_l("所属街道"), lambda d: d.street.name),),
        choices={"street_id": services.street_choices},
    ),
    "categories": Kind(
        Category,
        CategoryForm,
        _l("问题分类"),
        columns=(
            (_l("大类"), lambda c: c.group_label),
            (_l("办结时限（小时）"), lambda c: c.hours_handle),
        ),
        tags=((_l("敏感"), lambda c: c.sensitive),),
    ),
}


def kind_or_404(kind):
    return KINDS.get(kind) or abort(404)


def get_or_404(model, ident):
    return db.session.get(model, ident) or abort(404)


@bp.route("/")
@allow(Role.ADMIN)
def home():
    return render("admin/home.html", kinds=KINDS)


@bp.route("/<kind>")
@allow(Role.ADMIN)
def index(kind):
    # Keyset pages: ?after= is the last row's key on the page before (an account's id, a
    # place's or category's code), kept with the search so the next page is the same list.
    after = request.args.get("after") or None
    if kind == "users":
        # Accounts are not a table-driven kind: their list has a search box.
        query = request.args.get("q", "").strip()[:40]
        found, more = services.search_users(query, after_id(after))
        return render(
            "admin/users.html",
            users=found,
            query=query,
            links=pages.links(
                "admin.index", after, found[-1].id if more else None, kind=kind, q=query
            ),
            roles=ROLES,
        )
    spec = kind_or_404(kind)
    rows, more = services.list_rows(spec.model, after_code(after, spec.model))
    return render(
        "admin/index.html",
        kind=kind,
        spec=spec,
        rows=rows,
        links=pages.links("admin.index", after, rows[-1].code if more else None, kind=kind),
    )


def after_id(value):
    """An account id from ?after=, or a 400 for a key no page could have sent."""
    number = parse_id(value) if value else None
    if value and number is None:
        abort(400)
    return number


def after_code(value, model):
    """A code from ?after=, or a 400 for a key no page could have sent."""
    if value and (len(value) > model.code.type.length or not value.isprintable()):
        abort(400)
    return value


@bp.route("/<kind>/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def new(kind):
    spec = kind_or_404(kind)
    return edit_row(kind, spec, spec.model(), spec.form())


@bp.route("/<kind>/<int:id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit(kind, id):
    spec = kind_or_404(kind)
    row = get_or_404(spec.model, id)
    return edit_row(kind, spec, row, spec.form(obj=row))


def edit_row(kind, spec, row, form):
    for name, choices in spec.choices.items():
        form[name].choices = choices(getattr(row, name))
    if form.validate_on_submit():
        values = {name: value for name, value in form.data.items() if name != "csrf_token"}
        try:
            row = services.save_row(row, values, actor=current_user)
        except Refused as e:
            form[e.field].errors.append(str(e))
        else:
            flash(_("已保存：%(name)s", name=row), "success")
            return redirect(url_for("admin.index", kind=kind), 303)
    workers = grid_roster(row) if kind == "grids" and row.id else []
    return render(
        "admin/edit.html",
        status=422 if form.errors else 200,
        kind=kind,
        spec=spec,
        row=row,
        form=form,
        workers=workers,
    )


@bp.route("/<kind>/<int:id>/toggle", methods=["POST"])
@allow(Role.ADMIN)
def toggle(kind, id):
    """The button says which state it wants, so a retried post cannot flip it back."""
    spec = kind_or_404(kind)
    row = get_or_404(spec.model, id)
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        abort(400)
    services.set_active(row, wanted == "1", actor=current_user)
    if row.active:
        flash(_("已重新启用：%(name)s", name=row), "success")
    else:
        flash(_("已停用：%(name)s", name=row), "success")
    return redirect(url_for("admin.edit", kind=kind, id=row.id), 303)


def user_form(user, submitted=False):
    """An unsubmitted form ignores the request, which may be another form's post."""
    form = UserForm(obj=user) if submitted else UserForm(formdata=None, obj=user)
    form.grid_id.choices = services.grid_choices(user.grid_id)
    if form.grid_id.data is None:
        form.grid_id.data = 0
    return form


def grant_form(submitted=False):
    form = GrantForm() if submitted else GrantForm(formdata=None)
    form.place.choices = services.place_choices()
    return form


def user_page(user, form=None, grants=None, error=None, status=200):
    """The account page; a form that failed validation is passed in to show its errors."""
    return render(
        "admin/user.html",
        status=status,
        user=user,
        form=form if form is not None else user_form(user),
        grant_form=grants if grants is not None else grant_form(),
        error=error,
        events=services.account_log(user),
        describe=services.describe,
    )


@bp.route("/users/<int:id>", methods=["GET", "POST"])
@allow(Role.ADMIN)
def show_user(id):
    user = get_or_404(User, id)
    form = user_form(user, submitted=True)
    if form.validate_on_submit():
        try:
            services.update_user(
                user,
                name=form.name.data or "",
                grid_id=form.grid_id.data or None,
                active=form.active.data,
                actor=current_user,
            )
        except Refused as e:
            form[e.field].errors.append(str(e))
        else:
            flash(_("已保存。"), "success")
            return redirect(url_for("admin.show_user", id=user.id), 303)
    return user_page(user, form=form, status=422 if form.errors else 200)


@bp.route("/users/<int:id>/grants", methods=["POST"])
@allow(Role.ADMIN)
def add_grant(id):
    user = get_or_404(User, id)
    form = grant_form(submitted=True)
    if form.validate_on_submit():
        place = services.find_place(form.place.data)
        try:
            services.add_grant(user, form.role.data, place, actor=current_user)
        except Refused as e:
            form[e.field].errors.append(str(e))
        else:
            flash(_("已添加身份。"), "success")
            return redirect(url_for("admin.show_user", id=user.id), 303)
    return user_page(user, grants=form, status=422)


@bp.route("/users/<int:id>/grants/<int:grant_id>/delete", methods=["POST"])
@allow(Role.ADMIN)
def remove_grant(id, grant_id):
    user = get_or_404(User, id)
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.user_id != user.id:
        abort(404)
    try:
        services.remove_grant(grant, actor=current_user)
    except Refused as e:
        return user_page(user, error=str(e), status=422)
    flash(_("已移除身份。"), "success")
    return redirect(url_for("admin.show_user", id=user.id), 303)
