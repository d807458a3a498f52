"""The elderly modes and the weak-link budgets on every page, in a real browser: the pages are the
ones tests/pages.py finds from the URL map with the demo data, so a new page is checked without
anyone listing it. Each page is opened once, by the first demo role that may open it, in one
browser with one context per role:

- a first visit (empty cache) costs at most 45 KB on the wire, headers included, and a repeat
  visit fetches only the page's HTML;
- normal mode: no text under 18px, targets at least 48×48;
- large-text mode at a 320px-wide phone: no text under 22px, targets at least 60×60, line height
  ≥1.3, and no sideways scrolling;
- where the phone has a voice (a stand-in speech engine here: headless Chromium has none), the
  read-aloud button shows and reads the main content in the page's language."""

import time
from collections import Counter, defaultdict

import pytest

from blueprints.util.times import utcnow
from tests.browser.helpers import TARGETS_JS, TEXT_JS, log_in
from tests.browser.test_text_size import SMALL_TEXT_JS
from tests.conftest import FormClient, login
from tests.pages import PREPARE, ROLES, find_pages, phone_of, prepare_demo, visit_as

pytestmark = pytest.mark.browser

KB = 1024
# Photos of people's doorsteps are sent with Cache-Control: no-store (the privacy rule of
# docs/design.md §5), so a repeat visit fetches a case's thumbnails again.
NEVER_CACHED = {"reports.photo"}

# A phone that has Chinese and English voices: speechSynthesis as the page's script sees it,
# keeping what it was asked to say.
VOICES_JS = """
(() => {
  const voices = [
    {lang: "zh-CN", name: "test zh", voiceURI: "zh", localService: true, default: true},
    {lang: "en-GB", name: "test en", voiceURI: "en", localService: true, default: false},
  ];
  const spoken = [];
  const engine = {
    speaking: false, pending: false, paused: false, onvoiceschanged: null,
    getVoices: () => voices,
    speak: (u) => spoken.push({text: u.text, lang: u.lang}),
    cancel() {}, pause() {}, resume() {},
    addEventListener() {}, removeEventListener() {},
  };
  Object.defineProperty(window, "speechSynthesis", {get: () => engine, configurable: true});
  Object.defineProperty(window, "__spoken", {get: () => spoken});
})();
"""


@pytest.fixture(scope="session")
def assigned(live_application):
    """{role: [(endpoint, url)]}: every HTML page the finder finds, given to the first role
    (in ROLES order) that opens it with a 200."""
    with live_application.app_context():
        prepare_demo()
        pages, unfilled = find_pages(live_application)
        assert unfilled == [], f"add fillers in tests/pages.py: {unfilled}"
        taken, by_role = set(), defaultdict(list)
        for role in ROLES:
            for answer in visit_as(live_application, role, pages):
                if answer.html and answer.status == 200 and (role, answer.url) not in taken:
                    taken.add((role, answer.url))
                    by_role[role].append((answer.endpoint, answer.url))
    return by_role


class Preparer:
    """Takes the step a page needs first (tests/pages.py PREPARE) in the test client, signed in
    as the same account once, and hands its session cookie to the browser."""

    def __init__(self, app, base, role, context):
        self.app, self.base, self.role, self.context = app, base, role, context
        self.client = None

    def __call__(self, endpoint):
        if self.client is None:
            self.client = FormClient(self.app, self.app.response_class)
            if phone := phone_of(self.role):
                login(self.client, phone)
        PREPARE[endpoint](self.client)
        cookie = self.client.get_cookie("session")
        self.context.add_cookies([{"name": "session", "value": cookie.value, "url": self.base}])


def small(page, least):
    """Text under `least` px, but for the labels inside a chart (SVG <text>, in a role="img"
    figure whose numbers the table below it gives at full size): those scale with the drawing.
    The figures dashboards' axis labels are 11px today; see the report of issue 14."""
    return [t for t in page.evaluate(SMALL_TEXT_JS, least) if t["tag"] != "text"]


def small_targets(page, least):
    return [t for t in page.evaluate(TARGETS_JS) if min(t["w"], t["h"]) < least - 0.01]


def read_aloud(page):
    """Taps 朗读; what the speech engine was asked to say, the main content and the page's lang."""
    button = page.locator("#read-aloud")
    if not button.is_visible():
        return None
    main = page.locator("main").inner_text()
    button.click()
    spoken = page.evaluate("window.__spoken")
    return spoken, main, page.evaluate("document.documentElement.lang")


def check_reading(page, problems, url):
    heard = read_aloud(page)
    if heard is None:
        problems["no read-aloud button though the phone has a voice"].append(url)
        return
    spoken, main, lang = heard
    want = "en" if lang == "en" else "zh"
    if len(spoken) != 1 or spoken[0]["text"].split() != main.split():
        problems["read aloud is not the main content"].append((url, spoken[:1], main[:60]))
    elif not spoken[0]["lang"].lower().startswith(want):
        problems["read aloud in another language"].append((url, lang, spoken[0]["lang"]))


# What static/js/app.js asks the service worker to keep (sw.js, "keep") on a page marked
# data-offline (a grid worker's task list): the page and each case it links.
KEEP_JS = """() => [location.pathname,
  ...[...document.querySelector("[data-offline]").querySelectorAll("a")].map((a) => a.pathname)]"""


def kept(page, served, path, longest=30):
    """On a data-offline page, the paths the service worker fetches in the background to keep
    for offline reading, once the server has answered every one of them (as well as the visit
    itself); under load they can still be arriving after the page has loaded. They are the
    service worker's, not the visit's."""
    keep = Counter(page.evaluate(KEEP_JS))
    wanted = keep + Counter([path])
    deadline = time.monotonic() + longest
    while time.monotonic() < deadline and wanted - Counter(served):
        time.sleep(0.05)
    return keep


# Once the service worker is active it has kept the shell (the CSS, the scripts, the one-page
# form and the offline page): it fetches them when it installs, after the first page that
# registers it has loaded. And each page opened in its scope makes the browser check sw.js for a
# new version, in the background. Under load either can still be going on at the next visit, so
# this waits for the install, then asks for the check itself and waits for it (its answer is
# cached for a day, so the repeat visit's own check costs nothing).
SETTLED_JS = """async () => {
  const sw = navigator.serviceWorker;
  if (!sw) return "no worker";
  const settle = async () => {
    const reg = document.getElementById("net") ? await sw.ready : await sw.getRegistration();
    if (!reg) return "no worker";
    const next = reg.installing || reg.waiting;
    if (next) await new Promise((done) => {
      const check = () => ["activated", "redundant"].includes(next.state) && done();
      next.addEventListener("statechange", check);
      check();
    });
    await reg.update().catch(() => 0);
    return "active";
  };
  return Promise.race([settle(), new Promise((late) => setTimeout(() => late("late"), 30000))]);
}"""


def visit_twice(page, cdp, url, live_server, adapter, wire, served, problems):
    """A first visit with nothing cached (its bytes, text sizes, targets, read aloud), then a
    repeat visit that fetches only the HTML.

    The service worker's version carries the day (offline_views.service_worker), so a pair of
    visits that straddles midnight UTC meets a new worker fetching its pages once: such a pair
    is walked again, once, on the new day."""
    day = utcnow().date()
    found = defaultdict(list)
    visit_pair(page, cdp, url, live_server, adapter, wire, served, found)
    if found and utcnow().date() != day:
        found.clear()
        visit_pair(page, cdp, url, live_server, adapter, wire, served, found)
    for kind, items in found.items():
        problems[kind].extend(items)


def visit_pair(page, cdp, url, live_server, adapter, wire, served, problems):
    cdp.send("Network.clearBrowserCache")
    wire.clear()
    served.clear()
    response = page.goto(url)
    if response.status != 200:
        problems["not 200 in the browser"].append((url, response.status))
        return
    if not any(p.startswith("/static/") for p in served):
        problems["first visit found its files cached: not measured"].append(url)
    if sum(wire) > 45 * KB:
        problems["first visit over 45 KB"].append((url, sum(wire), list(served)))
    if found := small(page, 18):
        problems["text under 18px"].append((url, found[:3]))
    if found := small_targets(page, 48):
        problems["targets under 48px"].append((url, found[:3]))
    check_reading(page, problems, url)
    path = response.request.url.removeprefix(live_server).split("?")[0]
    offline = page.locator("[data-offline]").count()
    if page.evaluate(SETTLED_JS) == "late":
        problems["service worker not active 30 s after the page loaded"].append(url)
    if offline:
        kept(page, served, path)
    served.clear()
    page.goto(url)
    keep = kept(page, served, path) if offline else Counter()
    answered = Counter(served) - keep
    fetched = [p for p in answered.elements() if adapter.match(p)[0] not in NEVER_CACHED]
    if fetched != [path]:
        problems["repeat visit fetches more than its HTML"].append((url, fetched))


def check_large(page, url, problems):
    """Large text at 320px: 22px text, 60px targets, no sideways scroll, room between lines."""
    response = page.goto(url)
    if response.status != 200:
        problems["large text: not 200 in the browser"].append((url, response.status))
        return
    if found := small(page, 22):
        problems["large text: text under 22px"].append((url, found[:3]))
    if found := small_targets(page, 60):
        problems["large text: targets under 60px"].append((url, found[:3]))
    text = page.evaluate(TEXT_JS)
    if text["scrollWidth"] > text["innerWidth"]:
        problems["large text: sideways scroll at 320px"].append((url, text))
    if text["lineHeight"] < 1.3:
        problems["large text: line height under 1.3"].append((url, text))


@pytest.mark.parametrize("role", ROLES)
def test_every_page_in_normal_and_large_text(
    browser, browser_context_args, live_server, live_application, assigned, served, role
):
    started = time.monotonic()
    pages = assigned[role]
    if role == "anonymous":
        assert len(pages) >= 15, pages
    context = browser.new_context(**browser_context_args)
    context.add_init_script(VOICES_JS)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    wire = []
    cdp.on("Network.loadingFinished", lambda e: wire.append(e["encodedDataLength"]))
    if phone := phone_of(role):
        log_in(page, phone)
    problems = defaultdict(list)
    prepare = Preparer(live_application, live_server, role, context)
    adapter = live_application.url_map.bind("127.0.0.1")
    try:
        for endpoint, url in pages:
            if endpoint in PREPARE:
                prepare(endpoint)
            visit_twice(page, cdp, url, live_server, adapter, wire, served, problems)
        context.add_cookies([{"name": "size", "value": "large", "url": live_server}])
        page.set_viewport_size({"width": 320, "height": 740})
        # The same pages again in large text (the session keeps what PREPARE gave it).
        for _endpoint, url in pages:
            check_large(page, url, problems)

        # The same home page in English is read in English.
        context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
        page.goto("/")
        check_reading(page, problems, "/ (en)")
    finally:
        context.close()
    took = time.monotonic() - started
    print(f"\n{role}: {len(pages)} pages in {took:.1f} s")
    assert not problems, dict(problems)
