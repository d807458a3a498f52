"""The phone shrinks a big camera photo before it is sent, even when "upload" is tapped at once:
over 2G, the 4 MB original would take ten minutes."""

import io
import os
import re

import pytest
from flask import request
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORT, live_app, serve
from tests.browser.helpers import AFTER_DETAILS

pytestmark = pytest.mark.browser


def camera_photo():
    """A 4000×3000 JPEG of about 4 MB, like a phone camera's."""
    speckles = Image.frombytes("RGB", (400, 300), os.urandom(400 * 300 * 3))
    buffer = io.BytesIO()
    speckles.resize((4000, 3000), Image.BILINEAR).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """A server of its own that notes the size of each photo upload it receives."""
    app = live_app(tmp_path_factory.mktemp("shrink") / "live.db")
    sizes = []

    @app.before_request
    def note_upload_size():
        if request.method == "POST" and request.path == "/reports/new/photos":
            sizes.append(request.content_length)

    with serve(app) as url:
        yield url, sizes


def test_a_quick_tap_sends_the_shrunk_photo(browser, measured):
    url, sizes = measured
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", base_url=url)
    page = context.new_page()
    page.goto("/reports/new")
    page.get_by_role("button", name=re.compile("井盖缺失")).click()
    page.get_by_label("遇到了什么问题").fill("井盖不见了，晚上很危险")
    page.get_by_label("在哪个网格").select_option(label="桃花社区 · 第三网格")
    page.get_by_label("具体位置").fill("东门")
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url(AFTER_DETAILS)
    if "/similar" in page.url:
        page.get_by_role("link", name="不是同一件事，继续反映").click()
    expect(page.locator("h1")).to_have_text("拍张照片（可以不拍）")

    original = camera_photo()
    assert len(original) > 3_000_000
    page.get_by_label("照片").set_input_files(
        [{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": original}]
    )
    page.get_by_role("button", name="上传并继续").click()  # no pause for the shrink

    expect(page.locator("h1")).to_have_text("请核对后提交")
    assert len(sizes) == 1
    assert sizes[0] < len(original) / 3, (sizes, len(original))
    context.close()
