"""Every string the user can read is translated, and the language follows the user's choice."""

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["app.py", "extensions.py", "blueprints", "templates"]
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
WORDS = re.compile(r"[A-Za-z\u4e00-\u9fff]")
READABLE_ATTRS = {"title", "aria-label", "placeholder", "alt", "data-stop"}
# Each language's own name stays in that language on the language switch.
UNTRANSLATED = {"中文", "English"}


def extracted_catalog(tmp_path):
    pot = tmp_path / "messages.pot"
    command = ["extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_", "-o", str(pot), *SOURCES]
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *command],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        return read_po(f)


def test_every_message_has_an_english_translation(tmp_path):
    source = extracted_catalog(tmp_path)
    with (ROOT / "translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        english = read_po(f)
    missing = []
    for message in source:
        if not message.id:
            continue
        translated = english.get(message.id)
        strings = translated.string if translated else ""
        complete = all(strings) if isinstance(strings, tuple) else bool(strings)
        if not translated or not complete or translated.fuzzy:
            missing.append(message.id)
    assert len(source) > 100
    assert not missing, f"{len(missing)} messages lack English: {missing[:20]}"


def test_each_message_is_translated_once():
    """A msgid written twice (two features appending the same words) is an error to gettext's
    msgfmt, and Babel silently keeps the last: one entry per message."""
    text = (ROOT / "translations/en/LC_MESSAGES/messages.po").read_text()
    ids = re.findall(r'^msgid ((?:"[^\n]*"\n)+)', text + "\n", re.M)
    seen, repeated = set(), []
    for raw in ids:
        if raw in seen and raw != '""\n':
            repeated.append(raw)
        seen.add(raw)
    assert len(ids) > 100
    assert not repeated, repeated[:10]


class TextFinder(HTMLParser):
    """Collects text a reader would see that did not come from a {{ }} expression."""

    def __init__(self):
        super().__init__()
        self.found = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        for name, value in attrs:
            if name in READABLE_ATTRS and value and WORDS.search(value):
                self.found.append(f"{tag}[{name}]={value!r}")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        text = data.strip()
        if text and not self.hidden and WORDS.search(text) and text not in UNTRANSLATED:
            self.found.append(repr(text))


def bare_text(source):
    finder = TextFinder()
    finder.feed(JINJA.sub(" ", source))
    return finder.found


TEMPLATES = sorted(
    p.relative_to(ROOT / "templates").as_posix() for p in ROOT.glob("templates/**/*.html")
)


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_text_goes_through_gettext(template):
    found = bare_text((ROOT / "templates" / template).read_text())
    assert not found, f"text outside _() in {template}: {found}"


def test_the_scan_catches_bare_text():
    assert bare_text('<p>{{ _("好") }} 提交</p><img alt="photo">') == [
        "'提交'",
        "img[alt]='photo'",
    ]


def test_chinese_by_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-Hans"' in html
    assert "登录" in html


def test_accept_language_english(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Sign in" in html
    assert "登录" not in html


def test_language_cookie_beats_the_browser(client):
    response = client.post("/prefs/language", data={"lang": "en", "next": "/auth/login"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/login"
    assert "lang=en" in response.headers["Set-Cookie"]
    html = client.get("/auth/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="en"' in html
    assert ">中文</button>" in html


def test_language_switch_refuses_foreign_redirects(client):
    response = client.post("/prefs/language", data={"lang": "en", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client):
    response = client.post("/prefs/language", data={"lang": "xx"})
    assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]
