from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from blueprints.auth.forms import mobile_number
from blueprints.orgs.models import KINDS
from blueprints.util.phones import normalize_phone
from blueprints.web.inputs import strict_int


def trimmed(value):
    return value.strip() if isinstance(value, str) else value


class NameForm(FlaskForm):
    community = SelectField(
        _l("在哪个社区活动"), coerce=strict_int, validators=[DataRequired(_l("请选择社区"))]
    )
    name = StringField(
        _l("组织名称"),
        filters=[trimmed],
        validators=[
            DataRequired(_l("请填写组织名称")),
            Length(min=4, max=40, message=_l("名称要4到40个字")),
        ],
    )


class KindForm(FlaskForm):
    kind = RadioField(
        _l("组织类型"),
        choices=[SelectChoice(code, label) for code, label in KINDS.items()],
        validators=[DataRequired(_l("请选择组织类型"))],
    )


class ScopeForm(FlaskForm):
    scope = TextAreaField(
        _l("宗旨和活动范围"),
        filters=[trimmed],
        validators=[
            DataRequired(_l("请写一写宗旨和活动范围")),
            Length(min=10, max=1000, message=_l("请写10到1000个字")),
        ],
        render_kw={"rows": 5},
    )


class LeaderForm(FlaskForm):
    leader_name = StringField(
        _l("负责人姓名"),
        filters=[trimmed],
        validators=[DataRequired(_l("请填写负责人的真实姓名")), Length(max=40)],
        render_kw={"autocomplete": "name"},
    )
    leader_phone = StringField(
        _l("负责人手机号"),
        filters=[normalize_phone],
        validators=[DataRequired(_l("请填写负责人的手机号")), mobile_number],
        render_kw={"type": "tel", "inputmode": "numeric", "maxlength": 20},
    )
    show_leader = BooleanField(_l("在公开的组织名录里显示负责人的姓名和电话"))


class PersonForm(FlaskForm):
    role = RadioField(
        _l("身份"),
        choices=[SelectChoice("founder", _l("发起人")), SelectChoice("member", _l("成员"))],
        default="member",
        validators=[DataRequired(_l("请选择身份"))],
    )
    name = StringField(
        _l("姓名"),
        filters=[trimmed],
        validators=[
            DataRequired(_l("请填写姓名")),
            Length(max=40, message=_l("姓名不能超过40个字")),
        ],
    )
    phone = StringField(
        _l("手机号"),
        filters=[normalize_phone],
        validators=[Optional(), mobile_number],
        render_kw={"type": "tel", "inputmode": "numeric", "maxlength": 20},
    )
    staff = BooleanField(_l("是专职人员"))


class VenueForm(FlaskForm):
    venue = StringField(
        _l("活动场所"),
        filters=[trimmed],
        validators=[
            DataRequired(_l("请填写活动场所：社区活动室的名称，或一个地址")),
            Length(max=200, message=_l("不能超过200个字")),
        ],
    )
    venue_shared = BooleanField(_l("和别的组织共用这个场所"))


class CharterForm(FlaskForm):
    mode = RadioField(
        _l("章程怎么交"),
        choices=[
            SelectChoice("upload", _l("上传章程文件（PDF 或照片）")),
            SelectChoice("model", _l("填写章程范本")),
        ],
        default="model",
    )
    file = FileField(_l("章程文件"), render_kw={"accept": ".pdf,image/jpeg,image/png"})
    aim = TextAreaField(
        _l("宗旨（为谁、做什么）"),
        filters=[trimmed],
        validators=[Length(max=500)],
        render_kw={"rows": 3},
    )
    duties = TextAreaField(
        _l("成员的权利和义务"),
        filters=[trimmed],
        validators=[Length(max=500)],
        render_kw={"rows": 3},
    )
    rules = TextAreaField(
        _l("怎么商量事情、怎么管钱"),
        filters=[trimmed],
        validators=[Length(max=500)],
        render_kw={"rows": 3},
    )


class FundsForm(FlaskForm):
    funds = StringField(_l("经费（可不填）"), filters=[trimmed], validators=[Length(max=100)])
    fund_sources = StringField(
        _l("经费来源（可不填）"), filters=[trimmed], validators=[Length(max=200)]
    )


# The steps of an application, in order: part -> form. "people" and "charter" have pages of
# their own. A change of filed facts asks only for what may change.
STEPS = {
    "new": ["name", "kind", "scope", "leader", "people", "venue", "charter", "funds"],
    "change": ["name", "leader", "venue"],
    "renewal": [],
}
STEP_FORMS = {
    "name": NameForm,
    "kind": KindForm,
    "scope": ScopeForm,
    "leader": LeaderForm,
    "venue": VenueForm,
    "funds": FundsForm,
}
