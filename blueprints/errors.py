"""Friendly, localized error pages. htmx swaps 4xx/5xx bodies, so they render as full pages."""

import logging

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

PAGES = {
    400: (_l("请求有误"), _l("页面收到的内容不完整。请返回上一页，再试一次。")),
    403: (
        _l("没有权限"),
        _l("您的账号不能打开这个页面。如需帮助，请联系社区或网格员。"),
    ),
    404: (_l("找不到这个页面"), _l("地址可能有误，或者内容已经不在了。")),
    405: (_l("请求有误"), _l("页面收到的内容不完整。请返回上一页，再试一次。")),
    413: (_l("文件太大"), _l("上传的文件太大了。请换一张小一些的照片再试。")),
    429: (_l("操作太频繁"), _l("您试了太多次。为了账号安全，请过几分钟再试。")),
    500: (
        _l("系统出了点问题"),
        _l("这不是您的错。请稍后再试一次。"),
    ),
}
CSRF_MESSAGE = _l("页面放置太久或已在别处打开，请返回上一页，刷新后再提交一次。")


def init_app(app):
    def page(code, message=None):
        title, text = PAGES[code]
        return render_template(
            "errors/error.html", code=code, title=title, text=message or text
        ), code

    for code in PAGES:
        if code != 500:
            app.register_error_handler(code, lambda e, code=code: page(code))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return page(400, CSRF_MESSAGE)

    @app.errorhandler(500)
    def server_error(e):
        logging.getLogger("linli").exception("unhandled error")
        return page(500)
