"""Every page a stranger can open says what it is in a page description (<meta name="description">),
in the page's language: what a search result or a shared link shows under the title. The pages are
the ones tests/pages.py finds from the URL map."""

import pytest

from tests.pages import find_pages, prepare_demo, visit_as

pytestmark = pytest.mark.slow  # see pyproject.toml


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_every_public_page_has_a_description(app, ctx, lang):
    prepare_demo()
    pages, _unfilled = find_pages(app)
    answers = [a for a in visit_as(app, "anonymous", pages, cookies={"lang": lang}) if a.html]
    opened = [a for a in answers if a.status == 200]
    assert len(opened) >= 15, [a.url for a in opened]
    missing = [a.url for a in opened if not (a.description or "").strip()]
    assert missing == [], f"public pages without a description: {missing}"
    short = [(a.url, a.description) for a in opened if len(a.description) < 10]
    assert short == [], f"descriptions too short to say anything: {short}"
    chinese = [
        (a.url, a.description)
        for a in opened
        if any("\u4e00" <= c <= "\u9fff" for c in a.description)
    ]
    if lang == "en":
        assert chinese == [], f"Chinese descriptions on English pages: {chinese}"
    else:
        assert len(chinese) == len(opened), "a Chinese page describes itself in Chinese"
