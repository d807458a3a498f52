from flask import Blueprint, abort, flash, make_response, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from blueprints.auth import services
from blueprints.auth.demo import load_demo_accounts
from blueprints.auth.forms import (
    AccountForm,
    AssistCodeForm,
    AssistIdForm,
    AssistResetForm,
    LoginForm,
    PasswordForm,
    PhoneCheckForm,
    ResetConfirmForm,
    ResetRequestForm,
    SignupForm,
)
from blueprints.auth.models import AccountEvent
from blueprints.auth.people import grid_people
from blueprints.core import features
from blueprints.core.access import PUBLIC, SIGNED_IN, allow, safe_next
from blueprints.core.errors import Refused
from blueprints.core.roles import Role
from blueprints.places.models import Grid
from blueprints.places.services import grid_choices
from blueprints.util.phones import mask_phone, normalize_phone
from blueprints.web import htmx
from blueprints.web.htmx import render
from blueprints.web.ratelimit import hashed
from extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__, url_prefix="/auth")
bp.record_once(features.home("auth/_home.html", order=80))
bp.record_once(features.demo(load_demo_accounts, order=20, bulky=False))
bp.record_once(features.section("places.grid", "auth/_grid_people.html", grid_people))

login_manager.login_view = "auth.login"
login_manager.login_message = _l("请先登录。")
login_manager.login_message_category = "info"

WRONG_LOGIN = _l("手机号或密码不对，请再试一次。")


@bp.app_template_filter("phone_mask")
def phone_mask(phone):
    return mask_phone(phone)


@login_manager.user_loader
def load_user(token):
    """The session and remember-me cookies carry a device session's token, not an account id."""
    return services.load_session(token)


def phone_key():
    """The person, not the spelling: the number as stored, hashed (keys never show a phone)."""
    return "phone:" + hashed(normalize_phone(request.form.get("phone", "").strip()) or "")


def sign_in(user, remember=True):
    """A fresh session for this device: nothing from before login is carried over (language and
    text size live in their own cookies). Phones stay signed in for 30 days unless the user
    unticks the box (a shared device)."""
    session.clear()
    session.permanent = remember
    services.start_session(user, remember, str(get_locale()))
    login_user(user, remember=remember)


def sign_out():
    """End this device's session and forget everything this device kept for the person."""
    if current_user.is_authenticated:
        services.end_session(current_user.session_token)
    session.clear()
    logout_user()


# Pages an account that must change its password may still open.
PASSWORD_PENDING_OPEN = {"auth.password", "auth.login", "auth.logout", "static", "main.healthz"}


@bp.before_app_request
def password_change_first():
    """After a staff reset the temporary password opens nothing but the page to replace it."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in PASSWORD_PENDING_OPEN
    ):
        if htmx.is_htmx():
            response = make_response("", 401)
            response.headers["HX-Redirect"] = url_for("auth.password")
            return response
        flash(_("请先换一个新密码。"), "info")
        return redirect(url_for("auth.password"), 303)
    return None


@bp.route("/signup", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("5/minute;30/hour", methods=["POST"])
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(
                form.phone.data, form.password.data, form.name.data, str(get_locale())
            )
        except Refused as e:
            form.phone.errors.append(str(e))
        else:
            sign_in(user)
            services.start_phone_check(user)
            flash(_("注册成功，欢迎使用邻里。"), "success")
            flash(
                _(
                    "验证码已发到 %(phone)s。请点“验证手机号”输入验证码。",
                    phone=mask_phone(user.phone),
                ),
                "info",
            )
            return redirect(url_for("main.index"), 303)
    return render("auth/signup.html", status=422 if form.errors else 200, form=form)


@bp.route("/phone", methods=["GET", "POST"])
@allow(SIGNED_IN)
@limiter.limit("10/minute;30/hour", methods=["POST"])
def verify_phone():
    """The code texted at sign-up: it proves the person holds the phone, and only then are the
    reports filed with that phone offered to them."""
    form = PhoneCheckForm()
    if form.validate_on_submit():
        try:
            services.confirm_phone(current_user, form.code.data)
        except Refused as e:
            form.code.errors.append(str(e))
        else:
            flash(_("手机号已验证。"), "success")
            return redirect(url_for("reports.claim"), 303)
    return render(
        "auth/phone.html",
        status=422 if form.errors else 200,
        form=form,
        masked=mask_phone(current_user.phone),
    )


@bp.route("/phone/send", methods=["POST"])
@allow(SIGNED_IN)
@limiter.limit("3 per 10 minutes;10/day", methods=["POST"])
def send_phone_code():
    services.start_phone_check(current_user)
    flash(_("验证码已发到 %(phone)s。", phone=mask_phone(current_user.phone)), "success")
    return redirect(url_for("auth.verify_phone"), 303)


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("10/minute;60/hour", methods=["POST"])
# Per phone: a stranger's wrong guesses lock the owner out for 15 minutes at most.
@limiter.limit("5/minute;10 per 15 minutes", methods=["POST"], key_func=phone_key)
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
@allow(PUBLIC)
def logout():
    sign_out()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("main.index"), 303)


@bp.route("/account", methods=["GET", "POST"])
@allow(SIGNED_IN)
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
    return render(
        "auth/account.html",
        status=422 if form.errors else 200,
        form=form,
        others=len(services.other_sessions(current_user)),
    )


@bp.route("/account/sign-out-others", methods=["POST"])
@allow(SIGNED_IN)
def sign_out_others():
    count = services.sign_out_elsewhere(current_user)
    flash(_("已让其他 %(n)s 台设备退出登录。", n=count), "success")
    return redirect(url_for("auth.account"), 303)


@bp.route("/password", methods=["GET", "POST"])
@allow(SIGNED_IN)
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except Refused as e:
            form.current.errors.append(str(e))
        else:
            flash(_("密码已修改。其他设备上的登录已经退出。"), "success")
            return redirect(url_for("main.index"), 303)
    return render("auth/password.html", status=422 if form.errors else 200, form=form)


@bp.route("/reset", methods=["GET", "POST"])
@allow(PUBLIC)
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
@allow(PUBLIC)
@limiter.limit("10/minute;30/hour", methods=["POST"])
def reset_confirm():
    phone = session.get("reset_phone")
    if not phone:
        return redirect(url_for("auth.reset_request"), 303)
    form = ResetConfirmForm()
    if form.validate_on_submit():
        try:
            user = services.finish_reset(phone, form.code.data, form.password.data)
        except Refused as e:
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
@allow(Role.GRID_WORKER, Role.ADMIN)
@limiter.limit("20/hour", methods=["POST"])
def assist_reset():
    """Staff reset a resident's password face to face, with proof the resident is there: the
    code sent to the account's phone, or (phone lost) the ID checked, which the street reviews."""
    form = AssistResetForm()
    code_form = AssistCodeForm(prefix="c")
    id_form = AssistIdForm(prefix="i")
    resident = temporary = None
    step = "find"
    if form.validate_on_submit():
        resident = services.find_user(form.phone.data)
        reason = services.may_assist(current_user, resident) if resident else None
        if resident is None:
            form.phone.errors.append(_("没有找到这个手机号的账号。"))
        elif reason:
            form.phone.errors.append(reason)
            resident = None
        else:
            step, temporary = assist_step(resident, code_form, id_form)
    errors = form.errors or code_form.errors or id_form.errors
    return render(
        "auth/assist_reset.html",
        status=422 if errors else 200,
        form=form,
        code_form=code_form,
        id_form=id_form,
        resident=resident,
        step=step,
        temporary=temporary,
    )


def assist_step(resident, code_form, id_form):
    """What the worker chose for this resident: (the step to show, the temporary password)."""
    chosen = request.form.get("how")
    try:
        if chosen == "send":
            services.send_assist_code(current_user, resident)
            return "code", None
        if chosen == "code" and code_form.validate():
            return "done", services.assist_by_code(current_user, resident, code_form.code.data)
        if chosen == "id" and id_form.validate():
            temporary = services.assist_by_id_check(
                current_user, resident, id_form.document.data, id_form.last4.data
            )
            return "done", temporary
    except Refused as e:
        code_form.code.errors.append(str(e))
    return {"code": "code", "id": "id", "id_start": "id"}.get(chosen, "choose"), None


@bp.route("/resets")
@allow(Role.DISPATCHER, Role.ADMIN)
def resets():
    """Staff resets made on an ID check alone, waiting for the street's review."""
    return render("auth/resets.html", rows=services.resets_to_review(current_user))


@bp.route("/resets/<int:event_id>", methods=["POST"])
@allow(Role.DISPATCHER, Role.ADMIN)
def review_reset(event_id):
    event = db.session.get(AccountEvent, event_id)
    if event is None or not services.may_review(current_user, event):
        abort(404)
    try:
        services.review_reset(current_user, event, request.form.get("genuine") == "yes")
    except Refused as e:
        flash(str(e), "error")
    else:
        flash(_("已记录。"), "success")
    return redirect(url_for("auth.resets"), 303)
