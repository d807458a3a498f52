from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.reports.forms import MultiCheckboxField
from blueprints.rooms.bookings import MAX_WEEKS
from blueprints.rooms.models import FACILITIES
from blueprints.web.inputs import DateField, strict_int

TIME_HINT = _l("请填写时间，例如 19:00")


class RoomForm(FlaskForm):
    community_id = SelectField(
        _l("所在社区"), coerce=strict_int, validators=[DataRequired(_l("请选择社区"))]
    )
    name = StringField(
        _l("屋子的名字"),
        validators=[
            DataRequired(_l("请填写屋子的名字，例如 二楼活动室")),
            Length(max=60, message=_l("名字不能超过60个字")),
        ],
    )
    capacity = IntegerField(
        _l("最多坐几人"),
        validators=[
            InputRequired(_l("请填写最多坐几人")),
            NumberRange(1, 500, _l("人数要在1到500之间")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    facilities = MultiCheckboxField(
        _l("有哪些设施"),
        choices=[SelectChoice(code, label) for code, label in FACILITIES.items()],
        validators=[Optional()],
    )
    needs_approval = BooleanField(_l("预订要社区批准"), default=True)
    closed_on_holidays = BooleanField(_l("节假日不开放（按社区的工作日历）"), default=True)

    def hours(self):
        """{weekday: (opens, closes)} of the days the room opens; errors on the fields."""
        found = {}
        for day in range(7):
            opens, closes = self[f"opens_{day}"], self[f"closes_{day}"]
            if opens.data and closes.data:
                if closes.data <= opens.data:
                    closes.errors.append(_l("关门时间要晚于开门时间"))
                found[day] = (opens.data, closes.data)
            elif opens.data or closes.data:
                (closes if opens.data else opens).errors.append(
                    _l("开门和关门时间都要填；这天不开放就都空着")
                )
        if not found and not self.errors:
            self.opens_0.errors.append(_l("请至少填一天的开放时间"))
        return found


for _day in range(7):
    setattr(
        RoomForm,
        f"opens_{_day}",
        TimeField(_l("开门"), format="%H:%M", validators=[Optional()]),
    )
    setattr(
        RoomForm,
        f"closes_{_day}",
        TimeField(_l("关门"), format="%H:%M", validators=[Optional()]),
    )


class BookingForm(FlaskForm):
    for_whom = SelectField(
        _l("为谁预订"), validators=[DataRequired(_l("请选择为哪个组织或活动预订"))]
    )
    day = DateField(_l("哪一天"), validators=[DataRequired(_l("请填写日期，例如 2026-12-08"))])
    starts = TimeField(_l("从几点"), format="%H:%M", validators=[DataRequired(TIME_HINT)])
    ends = TimeField(_l("到几点"), format="%H:%M", validators=[DataRequired(TIME_HINT)])
    purpose = StringField(
        _l("做什么用"),
        validators=[
            DataRequired(_l("请写一下做什么用，例如 合唱排练")),
            Length(max=100, message=_l("不能超过100个字")),
        ],
    )
    head_count = IntegerField(
        _l("大约来几人"),
        validators=[
            InputRequired(_l("请填写大约来几人")),
            NumberRange(1, 500, _l("人数要在1到500之间")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    weeks = IntegerField(
        _l("每周同一时间，连续订几周"),
        default=1,
        validators=[
            InputRequired(_l("请填写订几周，只订这一次就填 1")),
            NumberRange(1, MAX_WEEKS, _l("可以订1到12周")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    mode = RadioField(
        _l("有几周已被别人订了时"),
        choices=[
            SelectChoice("all", _l("都不订，我换个时间")),
            SelectChoice("free", _l("只订空着的几周")),
        ],
        default="all",
        validators=[InputRequired(_l("请选一项"))],
    )
    key = HiddenField()
