from flask import Blueprint, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from blueprints import access
from blueprints.access import allow, safe_next
from blueprints.auth import services
from blueprints.auth.forms import (
    AccountForm,
    AssistResetForm,
    LoginForm,
    PasswordForm,
    ResetConfirmForm,
    ResetRequestForm,
    SignupForm,
)
from blueprints.auth.models import User, mask_phone
from blueprints.htmx import render
from blueprints.places.models import Grid
from blueprints.places.services import grid_choices
from extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__, url_prefix="/auth")

login_manager.login_view = "auth.login"
login_manager.login_message = _l("请先登录。")
login_manager.login_message_category = "info"

WRONG_LOGIN = _l("手机号或密码不对，请再试一次。")


@bp.app_template_filter("phone_mask")
def phone_mask(phone):
    return mask_phone(phone)


@login_manager.user_loader
def load_user(user_id):
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def phone_key():
    return "phone:" + request.form.get("phone", "").strip()


def sign_in(user, remember=True):
    """Phones stay signed in for 30 days unless the user unticks the box (a shared device)."""
    session.permanent = remember
    login_user(user, remember=remember)


@bp.route("/signup", methods=["GET", "POST"])
@allow("public")
@limiter.limit("5/minute;30/hour", methods=["POST"])
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(form.phone.data, form.password.data, form.name.data)
        except services.AccountError as e:
            form.phone.errors.append(str(e))
        else:
            sign_in(user)
            flash(_("注册成功，欢迎使用邻里。"), "success")
            return redirect(url_for("main.index"), 303)
    return render("auth/signup.html", status=422 if form.errors else 200, form=form)


@bp.route("/login", methods=["GET", "POST"])
@allow("public")
@limiter.limit("10/minute;60/hour", methods=["POST"])
@limiter.limit("5/minute;20/hour", methods=["POST"], key_func=phone_key)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.phone.data, form.password.data)
        if user:
            sign_in(user, remember=form.remember.data)
            if user.must_change_password:
                return redirect(url_for("auth.password"), 303)
            return redirect(safe_next(url_for("main.index")), 303)
        form.password.errors.append(str(WRONG_LOGIN))
    return render("auth/login.html", status=422 if form.errors else 200, form=form)


@bp.route("/logout", methods=["POST"])
@allow("public")
def logout():
    logout_user()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("main.index"), 303)


@bp.route("/account", methods=["GET", "POST"])
@allow("user")
def account():
    form = AccountForm(obj=current_user)
    form.grid.choices = grid_choices(_("暂不选择"))
    if request.method == "GET":
        form.grid.data = current_user.grid_id or 0
    if form.validate_on_submit():
        grid = db.session.get(Grid, form.grid.data) if form.grid.data else None
        services.update_account(current_user, form.name.data, grid)
        flash(_("已保存。"), "success")
        return redirect(url_for("auth.account"), 303)
    return render("auth/account.html", status=422 if form.errors else 200, form=form)


@bp.route("/password", methods=["GET", "POST"])
@allow("user")
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except services.AccountError as e:
            form.current.errors.append(str(e))
        else:
            flash(_("密码已修改。"), "success")
            return redirect(url_for("main.index"), 303)
    return render("auth/password.html", status=422 if form.errors else 200, form=form)


@bp.route("/reset", methods=["GET", "POST"])
@allow("public")
@limiter.limit("5/minute;20/hour", methods=["POST"])
@limiter.limit("3/minute;10/day", methods=["POST"], key_func=phone_key)
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.start_reset(form.phone.data)
        session["reset_phone"] = form.phone.data
        return redirect(url_for("auth.reset_confirm"), 303)
    return render("auth/reset_request.html", status=422 if form.errors else 200, form=form)


@bp.route("/reset/code", methods=["GET", "POST"])
@allow("public")
@limiter.limit("10/minute;30/hour", methods=["POST"])
def reset_confirm():
    phone = session.get("reset_phone")
    if not phone:
        return redirect(url_for("auth.reset_request"), 303)
    form = ResetConfirmForm()
    if form.validate_on_submit():
        try:
            user = services.finish_reset(phone, form.code.data, form.password.data)
        except services.AccountError as e:
            form.code.errors.append(str(e))
        else:
            session.pop("reset_phone", None)
            sign_in(user)
            flash(_("新密码已设好，您已登录。"), "success")
            return redirect(url_for("main.index"), 303)
    return render(
        "auth/reset_confirm.html",
        status=422 if form.errors else 200,
        form=form,
        masked=mask_phone(phone),
    )


@bp.route("/assist-reset", methods=["GET", "POST"])
@allow("grid_worker", "admin")
@limiter.limit("20/hour", methods=["POST"])
def assist_reset():
    """Staff reset a resident's password face to face. The resident must live in their grid."""
    form = AssistResetForm()
    resident = temporary = None
    if form.validate_on_submit():
        resident = services.find_user(form.phone.data)
        if resident is None:
            form.phone.errors.append(_("没有找到这个手机号的账号。"))
        elif not (
            access.can(None, "admin")
            or (resident.grid and access.can(resident.grid, "grid_worker"))
        ):
            form.phone.errors.append(_("这位居民不在您负责的网格里，请联系他所在网格的网格员。"))
            resident = None
        elif request.form.get("confirm") == "yes":
            temporary = services.assist_reset(current_user, resident)
    return render(
        "auth/assist_reset.html",
        status=422 if form.errors else 200,
        form=form,
        resident=resident,
        temporary=temporary,
    )
