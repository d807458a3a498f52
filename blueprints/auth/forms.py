from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from blueprints.auth.models import ID_DOCUMENTS
from blueprints.util.phones import is_mobile, normalize_phone
from blueprints.web.inputs import strict_int


def mobile_number(_form, field):
    if not is_mobile(field.data):
        raise ValidationError(_l("请输入11位手机号码，例如 13812345678"))


def phone_field(label=None):
    return StringField(
        label or _l("手机号"),
        filters=[normalize_phone],
        validators=[DataRequired(_l("请输入手机号")), mobile_number],
        render_kw={
            "type": "tel",
            "inputmode": "numeric",
            "autocomplete": "tel",
            "maxlength": 20,
        },
    )


def new_password_field(label=None):
    return PasswordField(
        label or _l("密码"),
        validators=[
            DataRequired(_l("请输入密码")),
            Length(min=8, message=_l("密码至少要8位")),
            Length(max=128, message=_l("密码不能超过128位")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class SignupForm(FlaskForm):
    phone = phone_field()
    name = StringField(
        _l("怎么称呼您"),
        validators=[Optional(), Length(max=40, message=_l("称呼不能超过40个字"))],
        render_kw={"autocomplete": "name"},
    )
    password = new_password_field()


class LoginForm(FlaskForm):
    phone = phone_field()
    password = PasswordField(
        _l("密码"),
        validators=[DataRequired(_l("请输入密码"))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("在这台手机上保持登录"), default=True)


class PasswordForm(FlaskForm):
    current = PasswordField(
        _l("现在的密码"),
        validators=[DataRequired(_l("请输入现在的密码"))],
        render_kw={"autocomplete": "current-password"},
    )
    password = new_password_field(_l("新密码"))


class ResetRequestForm(FlaskForm):
    phone = phone_field()


class ResetConfirmForm(FlaskForm):
    code = StringField(
        _l("短信验证码"),
        filters=[lambda v: v.strip() if v else v],
        validators=[
            DataRequired(_l("请输入短信里的6位验证码")),
            Regexp(r"^\d{6}$", message=_l("验证码是6位数字")),
        ],
        render_kw={
            "inputmode": "numeric",
            "autocomplete": "one-time-code",
            "maxlength": 6,
        },
    )
    password = new_password_field(_l("新密码"))


class PhoneCheckForm(FlaskForm):
    code = StringField(
        _l("短信验证码"),
        filters=[lambda v: v.strip() if v else v],
        validators=[
            DataRequired(_l("请输入短信里的6位验证码")),
            Regexp(r"^\d{6}$", message=_l("验证码是6位数字")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6},
    )


class AssistResetForm(FlaskForm):
    phone = phone_field(_l("居民的手机号"))


class AccountForm(FlaskForm):
    name = StringField(
        _l("称呼"),
        validators=[Optional(), Length(max=40, message=_l("称呼不能超过40个字"))],
        render_kw={"autocomplete": "name"},
    )
    grid = SelectField(_l("我住在哪个网格"), coerce=strict_int, validators=[Optional()])


class AssistCodeForm(FlaskForm):
    code = StringField(
        _l("居民手机收到的验证码"),
        filters=[lambda v: v.strip() if v else v],
        validators=[
            DataRequired(_l("请输入居民手机收到的6位验证码")),
            Regexp(r"^\d{6}$", message=_l("验证码是6位数字")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 6},
    )

    class Meta:
        csrf = False  # the page's own form carries the token


class AssistIdForm(FlaskForm):
    document = SelectField(
        _l("核对的证件"),
        choices=[SelectChoice(key, label) for key, label in ID_DOCUMENTS.items()],
        validators=[DataRequired(_l("请选择核对的证件"))],
    )
    last4 = StringField(
        _l("证件号码后4位"),
        filters=[lambda v: v.strip().upper() if v else v],
        validators=[
            DataRequired(_l("请输入证件号码后4位")),
            Regexp(r"^[0-9X]{4}$", message=_l("请输入证件号码的后4位（数字或X）")),
        ],
        render_kw={"autocomplete": "off", "maxlength": 4},
    )

    class Meta:
        csrf = False  # the page's own form carries the token
