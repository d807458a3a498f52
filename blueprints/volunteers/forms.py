from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.auth.forms import mobile_number, normalize_phone
from blueprints.reports.forms import MultiCheckboxField
from blueprints.volunteers.models import SKILLS
from blueprints.web.inputs import DateField, DateTimeLocalField, strict_int


def skill_choices():
    return [SelectChoice(code, label) for code, label in SKILLS.items()]


def when_field(label):
    return DateTimeLocalField(
        label,
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("请填写日期和时间，例如 2026-12-05 09:00"))],
    )


class ProfileForm(FlaskForm):
    real_name = StringField(
        _l("真实姓名"),
        validators=[
            DataRequired(_l("请填写真实姓名")),
            Length(max=40, message=_l("姓名不能超过40个字")),
        ],
        render_kw={"autocomplete": "name"},
    )
    birth_date = DateField(
        _l("出生日期"), validators=[DataRequired(_l("请填写出生日期，例如 1958-03-08"))]
    )
    community_id = SelectField(
        _l("所在社区"), coerce=strict_int, validators=[DataRequired(_l("请选择社区"))]
    )
    skills = MultiCheckboxField(_l("会做什么"), choices=skill_choices(), validators=[Optional()])
    availability = StringField(
        _l("什么时候有空"),
        validators=[Optional(), Length(max=200, message=_l("不能超过200个字"))],
    )
    id_number = StringField(
        _l("身份证号"),
        validators=[Optional(), Length(max=30, message=_l("身份证号是18位"))],
        render_kw={"autocomplete": "off", "maxlength": 30},
    )
    proxy_consent = BooleanField(_l("同意网格员帮我报名、确认或取消"))
    guardian_name = StringField(
        _l("监护人姓名"), validators=[Optional(), Length(max=40, message=_l("姓名不能超过40个字"))]
    )
    guardian_phone = StringField(
        _l("监护人手机号"),
        filters=[normalize_phone],
        validators=[Optional(), mobile_number],
        render_kw={"type": "tel", "inputmode": "numeric", "maxlength": 20},
    )
    rules = BooleanField(
        _l("我已阅读并同意志愿服务规则"),
        validators=[DataRequired(_l("请阅读并勾选同意志愿服务规则"))],
    )


class ShiftFields:
    starts_at = when_field(_l("开始时间"))
    ends_at = when_field(_l("结束时间"))
    capacity = IntegerField(
        _l("需要几人"),
        validators=[
            InputRequired(_l("请填写需要几人")),
            NumberRange(1, 500, _l("人数要在1到500之间")),
        ],
    )
    min_age = IntegerField(
        _l("最小年龄"),
        default=14,
        validators=[
            InputRequired(_l("请填写最小年龄")),
            NumberRange(6, 80, _l("年龄要在6到80之间")),
        ],
    )
    skills = MultiCheckboxField(_l("需要的技能"), choices=skill_choices(), validators=[Optional()])
    content = StringField(
        _l("服务内容"), validators=[Optional(), Length(max=200, message=_l("不能超过200个字"))]
    )
    person_in_charge = StringField(
        _l("现场负责人"), validators=[Optional(), Length(max=40, message=_l("不能超过40个字"))]
    )


class ShiftForm(FlaskForm, ShiftFields):
    pass


class ActivityForm(FlaskForm, ShiftFields):
    title = StringField(
        _l("活动名称"),
        validators=[
            DataRequired(_l("请填写活动名称")),
            Length(max=60, message=_l("不能超过60个字")),
        ],
    )
    description = TextAreaField(
        _l("活动介绍"),
        validators=[Optional(), Length(max=2000, message=_l("不能超过2000个字"))],
        render_kw={"rows": 4},
    )
    place = StringField(
        _l("活动地点"),
        validators=[
            DataRequired(_l("请填写活动地点")),
            Length(max=120, message=_l("不能超过120个字")),
        ],
    )
    community_id = SelectField(
        _l("社区"),
        coerce=strict_int,
        validators=[DataRequired(_l("请选择社区"))],
        invalid_choice_message=_l("请从列表里选一项"),
    )
    org_id = SelectField(
        _l("主办"),
        coerce=strict_int,
        validators=[Optional()],
        invalid_choice_message=_l("只有组织负责人能以组织的名义发布活动。"),
    )
    contact_name = StringField(
        _l("联系人"), validators=[Optional(), Length(max=40, message=_l("不能超过40个字"))]
    )
    contact_phone = StringField(
        _l("联系电话"),
        filters=[normalize_phone],
        validators=[Optional(), Length(max=20, message=_l("不能超过20个字"))],
        render_kw={"type": "tel"},
    )
    signup_deadline = when_field(_l("报名截止"))
    cancel_hours = IntegerField(
        _l("开始前几小时内不能取消"),
        default=24,
        validators=[InputRequired(_l("请填写小时数")), NumberRange(0, 168, _l("要在0到168之间"))],
    )
    risky = BooleanField(_l("这个活动有一定风险（高处、水边、大型活动等）"))
    insured = BooleanField(_l("已为志愿者买好保险"))


class CodeForm(FlaskForm):
    code = StringField(
        _l("签到码"),
        filters=[lambda v: "".join(c for c in v if c in "0123456789") if v else v],
        validators=[DataRequired(_l("请输入6位签到码")), Length(6, 6, _l("签到码是6位数字"))],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 12},
    )


class WalkInForm(FlaskForm):
    code = StringField(
        _l("志愿者出示的现场码"),
        validators=[DataRequired(_l("请输入志愿者出示的10位现场码")), Length(max=30)],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 30},
    )


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    community = SelectField(_l("社区"), coerce=strict_int, validators=[Optional()])
    day = DateField(_l("日期"), validators=[Optional()])
    skill = SelectField(_l("技能"), validators=[Optional()])


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False

    number = StringField(
        _l("证明编号"),
        validators=[DataRequired(_l("请输入证明上的10位编号"))],
        render_kw={"autocomplete": "off", "maxlength": 20},
    )


def field_error(form, e):
    """A service's refusal shown on its field, or at the top of the form."""
    target = getattr(form, e.field, None) if e.field else None
    (target.errors if target is not None else form.form_errors).append(str(e))
