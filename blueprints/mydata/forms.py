from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired


class DeleteForm(FlaskForm):
    password = PasswordField(
        _l("再输入一次您的密码"),
        validators=[DataRequired(_l("请输入密码"))],
        render_kw={"autocomplete": "current-password"},
    )
    sure = BooleanField(
        _l("我明白：账号删除后不能恢复，也不能再用这个账号登录"),
        validators=[DataRequired(_l("请勾选，确认您要删除账号"))],
    )
