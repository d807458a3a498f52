"""Admin forms. Field names are the model's attribute names, so a form's data can be saved as is.

Choices that come from the database are filled in by the view (see CHOICES in routes.py)."""

import json
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from blueprints.core.roles import GRANTED_ROLES, ROLES
from blueprints.reports.models import GROUPS, STAGES
from blueprints.web.inputs import strict_int

PICK_ONE = _l("请从列表里选一项")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def code_field(description=None):
    return StringField(
        _l("编号"),
        filters=[strip],
        description=description,
        validators=[
            DataRequired(_l("请填写编号")),
            Length(max=20, message=_l("编号不能超过20个字符")),
            Regexp(r"^[A-Za-z0-9_]+$", message=_l("编号只能用英文字母、数字和下划线")),
        ],
        render_kw={"maxlength": 20, "autocapitalize": "off", "spellcheck": "false"},
    )


def name_field(label=None, max_length=60):
    return StringField(
        label or _l("名称"),
        filters=[strip],
        validators=[
            DataRequired(_l("请填写名称")),
            Length(max=max_length, message=_l("名称不能超过%(n)s个字", n=max_length)),
        ],
        render_kw={"maxlength": max_length},
    )


def place_select(label):
    return SelectField(
        label,
        coerce=strict_int,
        validators=[DataRequired(PICK_ONE)],
        invalid_choice_message=PICK_ONE,
    )


class StreetForm(FlaskForm):
    code = code_field()
    name = name_field()


class CommunityForm(FlaskForm):
    code = code_field()
    name = name_field()
    street_id = place_select(_l("所属街道"))


class GridForm(FlaskForm):
    code = code_field(_l("编号印在网格二维码里。改了编号，已经贴出去的二维码就不能用了。"))
    name = name_field()
    community_id = place_select(_l("所属社区"))
    households = IntegerField(
        _l("户数"),
        invalid_value_message=_l("户数请填一个整数"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100000, message=_l("户数要在0到100000之间")),
        ],
        render_kw={"inputmode": "numeric"},
    )


class DepartmentForm(FlaskForm):
    code = code_field()
    name = name_field()
    name_en = StringField(
        _l("英文名称"),
        filters=[strip],
        validators=[Optional(), Length(max=60, message=_l("名称不能超过%(n)s个字", n=60))],
        render_kw={"maxlength": 60},
    )
    street_id = place_select(_l("所属街道"))


def hours_field(stage, default):
    return IntegerField(
        _l("%(stage)s时限（小时）", stage=STAGES[stage]),
        default=default,
        invalid_value_message=_l("时限请填一个整数，例如 24"),
        validators=[
            InputRequired(_l("请填写时限")),
            NumberRange(min=1, max=8760, message=_l("时限要在1到8760小时之间")),
        ],
        render_kw={"inputmode": "numeric"},
    )


DATATYPES = {"string", "number", "text", "datetime", "singlevaluelist", "multivaluelist"}


def valid_questions(_form, field):
    """The questions are JSON in the shape Open311 attributes take; say plainly what is wrong."""
    try:
        questions = json.loads(field.data or "[]", parse_constant=refuse_constant)
    except (ValueError, RecursionError):
        raise ValidationError(_l("附加问题不是正确的 JSON")) from None
    if not isinstance(questions, list):
        raise ValidationError(_l("附加问题要是一个列表，没有就填 []"))
    codes = set()
    for q in questions:
        problem = question_problem(q, codes)
        if problem:
            raise ValidationError(problem)
        codes.add(q["code"])
    field.data = json.dumps(questions, ensure_ascii=False)


def question_problem(q, codes):
    """What is wrong with one question (codes: those of the questions before it), or None."""
    if not isinstance(q, dict) or not re.fullmatch(r"[A-Za-z0-9_]{1,20}", text_of(q, "code")):
        return _l("每个问题要有 code（英文字母、数字、下划线）")
    if q["code"] in codes:
        return _l("问题的 code 不能重复")
    if text_of(q, "datatype") not in DATATYPES or not text_of(q, "description").strip():
        return _l("每个问题要有 datatype 和 description")
    if not isinstance(q.get("datatype_description", ""), str):
        return _l("datatype_description 要是一段文字")
    if not isinstance(q.get("required", False), bool):
        return _l("required 只能是 true 或 false")
    if q["datatype"].endswith("list") and not valid_choices(q.get("values")):
        return _l("选择题要有 values，每项有 key 和 name")
    return None


def valid_choices(values):
    return (
        isinstance(values, list)
        and bool(values)
        and all(isinstance(v, dict) and text_of(v, "key") and text_of(v, "name") for v in values)
    )


def text_of(mapping, key):
    """A value that must be text: anything else (a list, a number) counts as missing."""
    value = mapping.get(key)
    return value if isinstance(value, str) else ""


def refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


class CategoryForm(FlaskForm):
    code = code_field(_l("对接其他系统时用，例如 garbage。"))
    name_zh = name_field(_l("中文名称"), 40)
    name_en = name_field(_l("英文名称"), 60)
    group = SelectField(
        _l("大类"),
        choices=[SelectChoice(code, label) for code, label in GROUPS.items()],
        validators=[InputRequired(PICK_ONE)],
        invalid_choice_message=PICK_ONE,
    )
    icon = StringField(
        _l("图标"),
        filters=[strip],
        description=_l("一个表情符号，例如 🗑"),
        validators=[Optional(), Length(max=8, message=_l("图标不能超过8个字符"))],
        render_kw={"maxlength": 8},
    )
    hours_accept = hours_field("accept", 4)
    hours_sign = hours_field("sign", 4)
    hours_handle = hours_field("handle", 72)
    hours_verify = hours_field("verify", 24)
    handle_workdays = IntegerField(
        _l("办结时限（工作日）"),
        default=0,
        description=_l(
            "填了就按工作日算办结时限（跳过周末和节假日），不用上面的小时数；填 0 就按小时。"
        ),
        invalid_value_message=_l("请填一个整数，例如 5"),
        filters=[lambda days: days or 0],
        validators=[Optional(), NumberRange(min=0, max=60, message=_l("工作日要在0到60之间"))],
        render_kw={"inputmode": "numeric"},
    )
    needs_verification = BooleanField(_l("办结后要到现场核查"), default=True)
    sensitive = BooleanField(_l("敏感问题（不公开显示）"))
    questions = TextAreaField(
        _l("附加问题"),
        default="[]",
        description=_l(
            "反映这类问题时多问的几句，JSON 列表，每项有 code、datatype（string、number、text、"
            "datetime、singlevaluelist、multivaluelist）、description、required，选择题还要 "
            "values（key 和 name）。没有就填 []。"
        ),
        validators=[Length(max=5000, message=_l("附加问题太长了")), valid_questions],
        render_kw={"rows": 6, "spellcheck": "false"},
    )


class UserForm(FlaskForm):
    name = StringField(
        _l("称呼"),
        filters=[strip],
        validators=[Optional(), Length(max=40, message=_l("称呼不能超过40个字"))],
        render_kw={"maxlength": 40},
    )
    grid_id = SelectField(_l("所在网格"), coerce=strict_int, invalid_choice_message=PICK_ONE)
    active = BooleanField(_l("账号可以使用（取消勾选就是停用）"))


class GrantForm(FlaskForm):
    role = SelectField(
        _l("身份"),
        choices=[SelectChoice(role, ROLES[role]) for role in GRANTED_ROLES],
        validators=[InputRequired(PICK_ONE)],
        invalid_choice_message=PICK_ONE,
    )
    place = SelectField(
        _l("负责的地方"), validators=[InputRequired(PICK_ONE)], invalid_choice_message=PICK_ONE
    )
