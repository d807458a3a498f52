"""Friendly, localized error pages. htmx swaps 4xx/5xx bodies, so they render as full pages.

A feature that answers in its own format (the Open311 API: JSON, or XML by the extension)
registers its error answer instead (core/features.py)."""

import logging

from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from blueprints.core.features import error_answer_for
from extensions import db

PAGES = {
    400: (_l("请求有误"), _l("页面收到的内容不完整。请返回上一页，再试一次。")),
    403: (
        _l("没有权限"),
        _l("您的账号不能打开这个页面。如需帮助，请联系社区或网格员。"),
    ),
    404: (_l("找不到这个页面"), _l("地址可能有误，或者内容已经不在了。")),
    405: (_l("请求有误"), _l("页面收到的内容不完整。请返回上一页，再试一次。")),
    413: (_l("文件太大"), _l("上传的文件太大了。请换一张小一些的照片再试。")),
    429: (_l("操作太频繁"), _l("您试了太多次，请过几分钟再试。")),
    500: (
        _l("系统出了点问题"),
        _l("这不是您的错。请稍后再试一次。"),
    ),
}


def or_404(row):
    """The row a view asked for, or a 404 for one that does not exist."""
    if row is None:
        abort(404)
    return row


class Refused(Exception):
    """The one user-facing refusal: a message already in the reader's language, and the form
    field it is about when there is one (shown next to it; at the top otherwise). Every feature
    raises it, and every view shows it the same way."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.field = field


class Conflict(Refused):
    """Someone else changed the thing first: show it as it is now."""


# Too many tries at signing in or resetting a password: there, the wait protects the account.
ACCOUNT_LIMIT = _l("您试了太多次。为了账号安全，请过几分钟再试。")
CSRF_MESSAGE = _l("页面放置太久或已在别处打开，请返回上一页，刷新后再提交一次。")


def init_app(app):
    def page(e, code, message=None):
        response = error_answer_for(request.path, code, e.description)
        if response is None:
            title, text = PAGES[code]
            body = render_template(
                "errors/error.html", code=code, title=title, text=message or text
            )
            response = app.make_response((body, code))
        if code == 405 and getattr(e, "valid_methods", None):
            response.headers["Allow"] = ", ".join(e.valid_methods)
        return response

    @app.errorhandler(HTTPException)
    def http_error(e):
        if e.code == 429 and request.blueprint == "auth":
            return page(e, 429, ACCOUNT_LIMIT)
        if e.code in PAGES:
            return page(e, e.code)
        return error_answer_for(request.path, e.code, e.description) or e

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return page(e, 400, CSRF_MESSAGE)

    @app.errorhandler(500)
    def server_error(e):
        logging.getLogger("linli").exception("unhandled error")
        # A failed flush leaves the session unusable until rolled back, and the page asks it
        # who is signed in.
        db.session.rollback()
        return page(e, 500)
