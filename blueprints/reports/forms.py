import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from blueprints.auth.forms import mobile_number
from blueprints.reports.models import ADDRESS_MAX, DESCRIPTION_MAX, DESCRIPTION_MIN, NAME_MAX
from blueprints.util.phones import normalize_phone
from blueprints.web.inputs import strict_int


def degrees(limit):
    """A coordinate from the phone's location, within ±limit degrees; empty when not used."""

    def check(_form, field):
        raw = (field.raw_data or [""])[0].strip()
        if not raw:
            field.data = None
            return
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        if not -limit <= number <= limit:  # NaN fails too
            field.data = None
            raise ValidationError(BAD_LOCATION)
        field.data = number

    return check


BAD_LOCATION = _l("手机定位的结果不对。请再点一次“用手机定位”，或者不用定位，写清楚地点就行。")


class DetailsForm(FlaskForm):
    description = TextAreaField(
        _l("遇到了什么问题"),
        validators=[
            DataRequired(_l("请说说遇到了什么问题")),
            Length(min=DESCRIPTION_MIN, message=_l("请多写几个字，至少5个字")),
            Length(max=DESCRIPTION_MAX, message=_l("描述不能超过1000个字")),
        ],
        render_kw={"rows": 5},
    )
    grid = SelectField(
        _l("在哪个网格"),
        coerce=strict_int,
        validators=[DataRequired(_l("请选择网格"))],
    )
    address = StringField(
        _l("具体位置"),
        validators=[
            DataRequired(_l("请写一下具体位置，例如楼栋、路口或附近的店")),
            Length(max=ADDRESS_MAX, message=_l("位置不能超过200个字")),
        ],
    )
    # Filled by the optional "use my location" button; never required.
    lat = HiddenField(validators=[degrees(90)])
    lng = HiddenField(validators=[degrees(180)])


class PhotosForm(FlaskForm):
    photos = MultipleFileField(_l("照片"), render_kw={"accept": "image/*"})


class ContactForm(FlaskForm):
    phone = StringField(
        _l("联系电话"),
        filters=[normalize_phone],
        validators=[Optional(), mobile_number],
        render_kw={"type": "tel", "inputmode": "numeric", "autocomplete": "tel", "maxlength": 20},
    )
    name = StringField(
        _l("怎么称呼您"),
        validators=[Optional(), Length(max=NAME_MAX, message=_l("称呼不能超过40个字"))],
        render_kw={"autocomplete": "name"},
    )


class ProxyForm(FlaskForm):
    mode = RadioField(
        _l("这件事是"),
        choices=[
            SelectChoice("patrol", _l("我巡查时发现的")),
            SelectChoice("resident", _l("替居民反映（代办）")),
        ],
        default="patrol",
    )
    phone = StringField(
        _l("居民的手机号"),
        filters=[normalize_phone],
        validators=[Optional(), mobile_number],
        render_kw={"type": "tel", "inputmode": "numeric", "maxlength": 20},
    )
    name = StringField(
        _l("居民怎么称呼"),
        validators=[Optional(), Length(max=NAME_MAX, message=_l("称呼不能超过40个字"))],
    )


class TrackForm(FlaskForm):
    ref = StringField(
        _l("反映编号"),
        validators=[DataRequired(_l("请输入反映编号"))],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 20},
    )
    code = StringField(
        _l("查询码"),
        filters=[lambda v: "".join(c for c in v if c in "0123456789") if v else v],
        validators=[
            DataRequired(_l("请输入查询码")),
            Length(16, 16, _l("查询码是16位数字")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 24},
    )


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (rendered by _macros.field as a fieldset of big labels)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


NUMBER = r"^-?\d+(\.\d+)?$"


def question_field(question):
    """One extra question of a category, named attribute[CODE] as Open311 names it."""
    name = f"attribute[{question['code']}]"
    label = question["description"]
    required = question.get("required")
    check = [DataRequired(_l("请回答这个问题"))] if required else [Optional()]
    choices = [SelectChoice(v["key"], v["name"]) for v in question.get("values", [])]
    kind = question["datatype"]
    if kind == "singlevaluelist":
        return RadioField(label, name=name, choices=choices, validators=check)
    if kind == "multivaluelist":
        return MultiCheckboxField(label, name=name, choices=choices, validators=check)
    if kind == "number":
        number = Regexp(NUMBER, message=_l("请填一个数字"))
        return StringField(
            label, name=name, validators=[*check, number], render_kw={"inputmode": "decimal"}
        )
    if kind == "text":
        return TextAreaField(
            label, name=name, validators=[*check, Length(max=500)], render_kw={"rows": 3}
        )
    if kind == "datetime":
        return StringField(label, name=name, validators=check, render_kw={"type": "datetime-local"})
    return StringField(label, name=name, validators=[*check, Length(max=500)])


class QuestionsForm(FlaskForm):
    """Filled in per category by questions_form(); shared by the web intake and Open311."""

    class Meta:
        csrf = False


def questions_form(category, formdata=None, data=None):
    fields = {f"q{i}": question_field(q) for i, q in enumerate(category.question_list)}
    form_class = type("CategoryQuestions", (QuestionsForm,), fields)
    return form_class(formdata=formdata, data=data)


def answers_of(form):
    """{code: answer} for the questions answered."""
    found = {}
    for field in form:
        code = field.name[len("attribute[") : -1]
        if field.data not in (None, "", []):
            found[code] = field.data
    return found
