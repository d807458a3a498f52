"""What a resident waits for on a weak link, next to the same screens served as plain files.
A benchmark, not a test.

Usage: .venv/bin/python bench/weak_network.py [--profiles 2G "slow 3G" offline] [--runs 1]

It starts its own gunicorn (gunicorn.conf.py, as `make run` does) on a temporary database with
the demo data (tests/live.py), and Debian's Chromium through Playwright, files three reports
over an unslowed link (so each worker has compiled its templates, as on a server that has been
up a while), then slows the link with the DevTools protocol's Network.emulateNetworkConditions:

  2G        250 kbit/s down, 50 kbit/s up, 300 ms latency
  slow 3G   400 kbit/s down, 400 kbit/s up, 400 ms latency
  offline   2G, but the link drops just before "提交反映" and comes back

For each profile it prints:
  - bytes and time to the first contentful paint of the home page, with an empty cache;
  - the time from opening the report form to seeing the new report's reference, for a
    text-only report and for one with a camera-sized photo (shrunk on the phone by app.js);
  - the same screens (the HTML the server sent for each, saved during the run) served as
    static files by a small server this script starts, opened one after another with the same
    cache: what the screens cost without any form posts and redirects;
  - the ratio text-only report / static screens (issue 14's item 1 aims at ≤1.2×).
For "offline" it tells what happens when the link drops at the last step: whether anything
keeps the report and sends it by itself when the link is back (an offline queue), and how long a
resident who taps again waits, and that only one report was made."""

import argparse
import gzip
import io
import mimetypes
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from tests.live import live_gunicorn  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
KBIT = 1000 / 8  # bytes per second in one kbit/s
# The link of the warm-up, which fills each worker's template cache before anything is timed.
UNSLOWED = {"latency": 0, "down": 100_000, "up": 100_000}
PROFILES = {
    "2G": {"latency": 300, "down": 250, "up": 50},
    "slow 3G": {"latency": 400, "down": 400, "up": 400},
    "offline": {"latency": 300, "down": 250, "up": 50},
}
CATEGORY = "垃圾堆放"
GRID = "桃花社区 · 第三网格"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", nargs="+", default=list(PROFILES), choices=list(PROFILES))
    parser.add_argument("--runs", type=int, default=1, help="runs per measure; the median is shown")
    return parser.parse_args()


# ---- the link ------------------------------------------------------------------------------


class Link:
    """One page's DevTools session: the emulated link and the bytes that crossed it."""

    def __init__(self, context, page, profile):
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.profile = profile
        self.down = 0
        self.started = {}  # request id -> when it left, for the pages' own exchanges
        self.spans = []  # (left, answered) of each finished page exchange
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.set(offline=False)

    def _sent(self, event):
        if "/static/" not in event["request"]["url"]:
            self.started[event["requestId"]] = event["timestamp"]

    def _finished(self, event):
        self.down += event["encodedDataLength"]
        left = self.started.pop(event["requestId"], None)
        if left is not None:
            self.spans.append((left, event["timestamp"]))

    def waited(self):
        """Seconds the link was busy with the pages' own exchanges (overlaps counted once):
        what the resident waits for, without the time they spend typing and tapping."""
        total, end = 0.0, None
        for left, answered in sorted(self.spans):
            if end is None or left > end:
                total += answered - left
                end = answered
            elif answered > end:
                total += answered - end
                end = answered
        return total

    def set(self, offline):
        p = self.profile
        self.cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": offline,
                "latency": p["latency"],
                "downloadThroughput": p["down"] * KBIT,
                "uploadThroughput": p["up"] * KBIT,
            },
        )

    def clear_cache(self):
        self.cdp.send("Network.clearBrowserCache")


def new_page(browser, base, profile, workers="allow"):
    """workers="block" keeps the service worker out: its own fetches leave from a target of
    their own, beside the page's emulated link, so through it a page would load at full speed."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="zh-CN",
        base_url=base,
        service_workers=workers,
    )
    page = context.new_page()
    page.set_default_timeout(180_000)
    return context, page, Link(context, page, profile)


# ---- the static twin -----------------------------------------------------------------------


class StaticFiles:
    """A plain file server on a free local port: the saved screens (/screens/N.html, no-store,
    as the app's pages are fetched each time) and a copy of static/ (cached for a year, as the
    app serves them), all gzipped as the app sends them."""

    def __init__(self):
        self.files = {}
        for path in (ROOT / "static").rglob("*"):
            if path.is_file():
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                self.add("/" + str(path.relative_to(ROOT)), path.read_bytes(), kind)
        files = self.files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                found = files.get(urlsplit(self.path).path)
                if found is None:
                    self.send_error(404)
                    return
                body, kind, cache = found
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", cache)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path, body, kind):
        cache = "public, max-age=31536000, immutable" if path.startswith("/static/") else "no-store"
        self.files[path] = (gzip.compress(body, 6), kind, cache)

    def add_screens(self, name, bodies):
        paths = []
        for i, body in enumerate(bodies, 1):
            path = f"/screens/{name}-{i}.html"
            self.add(path, body, "text/html; charset=utf-8")
            paths.append(path)
        return paths

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# ---- what is measured ----------------------------------------------------------------------


def first_paint(browser, base, profile, path="/"):
    """(bytes, ms to first contentful paint) of one page with an empty cache."""
    context, page, link = new_page(browser, base, profile)
    try:
        link.clear_cache()
        page.goto(base + path, wait_until="load")
        fcp = page.evaluate(
            "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"
        )
        return link.down, fcp
    finally:
        context.close()


def camera_photo():
    """A 4000×3000 JPEG of the kind a phone takes (broad shapes, edges, some sensor noise),
    about 2 MB: app.js shrinks it to 1600 px on the phone before it goes up."""
    image = Image.new("RGB", (4000, 3000), (120, 140, 160))
    draw = ImageDraw.Draw(image)
    for i in range(60):
        x, y = (i * 397) % 4000, (i * 263) % 3000
        shade = (i * 37 % 200 + 30, i * 53 % 200 + 30, i * 71 % 200 + 30)
        draw.rectangle([x, y, x + 300 + i * 7, y + 200 + i * 5], fill=shade)
        draw.line([0, y, 4000, (y * 7) % 3000], fill=(20, 20, 20), width=6)
    image = image.filter(ImageFilter.GaussianBlur(2))
    noise = Image.effect_noise((4000, 3000), 24).convert("RGB")
    image = Image.blend(image, noise, 0.12)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


class Screens:
    """What each screen of a flow shows, as HTML: taken from the page at each step (a step may
    come as a whole page or as a part htmx swaps in; the static twin serves each as a page)."""

    def __init__(self, page):
        self.page = page
        self.bodies = []

    def snap(self):
        self.bodies.append(self.page.content().encode())


def fill_report(page, photo=None, description="楼下垃圾堆了好几天没人清，有味道。", snap=None):
    """The report form, step by step, as a resident taps it; stops before the last tap.
    Returns the bytes of the photo as it goes up, once app.js has shrunk it (0 without one).
    snap() is called on each screen."""
    snap = snap or (lambda: None)
    sent = 0
    page.goto("/reports/new")
    snap()
    page.get_by_role("button", name=CATEGORY).first.click()
    expect(page.get_by_label("遇到了什么问题")).to_be_visible()
    snap()
    page.get_by_label("遇到了什么问题").fill(description)
    page.get_by_label("在哪个网格").select_option(label=GRID)
    page.get_by_label("具体位置").fill("3栋门口")
    page.get_by_role("button", name="下一步").click()
    similar = page.get_by_role("link", name="不是同一件事，继续反映")
    photos = page.get_by_role("heading", name="拍张照片（可以不拍）")
    expect(similar.or_(photos)).to_be_visible()
    if similar.is_visible():
        snap()
        similar.click()
    expect(photos).to_be_visible()
    snap()
    if photo:
        field = page.get_by_label("照片")
        field.set_input_files(
            files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo}]
        )
        # app.js swaps the file for its shrunk copy; the upload button waits for it too.
        handle = field.element_handle()
        page.wait_for_function(
            "([el, size]) => el.files.length && el.files[0].size < size", arg=[handle, len(photo)]
        )
        sent = handle.evaluate("el => el.files[0].size")
        page.get_by_role("button", name="上传并继续").click()
    else:
        page.get_by_role("link", name="不拍照，下一步").click()
    # The last page: what was typed, to check, and how to reach the reporter (left empty).
    expect(page.get_by_role("heading", name="请核对后提交")).to_be_visible()
    snap()
    return sent


def submit(page, snap=None):
    page.get_by_role("button", name="提交反映").click()
    ref = page.locator("#receipt-ref")
    expect(ref).to_be_visible()
    if snap:
        snap()
    return ref.inner_text()


def report_flow(browser, base, profile, photo=None):
    """(seconds from opening the form to the reference, bytes down, bytes up, screens), with
    the static files already cached from the home page, as a resident arrives. Without the
    service worker, which would take the pages' GETs off the slowed link (new_page)."""
    context, page, link = new_page(browser, base, profile, workers="block")
    try:
        page.goto("/")
        screens = Screens(page)
        down = link.down
        link.spans.clear()
        started = time.monotonic()
        sent = fill_report(page, photo, snap=screens.snap)
        submit(page, screens.snap)
        took = time.monotonic() - started
        return took, link.down - down, sent, screens.bodies, link.waited()
    finally:
        context.close()


def static_flow(browser, static, paths, profile):
    """Seconds to open the saved screens one after another, the static files already cached."""
    context, page, link = new_page(browser, static.url, profile)
    try:
        page.goto(paths[0])
        down = link.down
        link.spans.clear()
        started = time.monotonic()
        for path in paths:
            page.goto(path, wait_until="load")
        return time.monotonic() - started, link.down - down, link.waited()
    finally:
        context.close()


def offline_then_online(browser, server, profile):
    """The link drops as the resident taps 提交反映 and is back five seconds later."""
    context, page, link = new_page(browser, server.url, profile)
    lines = []
    marker = f"离线测试 {time.time():.0f}"
    try:
        page.goto("/")
        fill_report(page, description=marker)
        link.set(offline=True)
        page.get_by_role("button", name="提交反映").click()
        time.sleep(5)
        on_screen = (
            page.locator("main").inner_text(timeout=2000) if page.locator("main").count() else ""
        )
        lines.append(
            "offline tap: the page shows "
            + ("the check page still" if "请核对后提交" in on_screen else repr(on_screen[:60]))
        )
        workers = page.evaluate(
            "() => navigator.serviceWorker ? navigator.serviceWorker.getRegistrations()"
            ".then(r => r.length) : 0"
        )
        link.set(offline=False)
        back = time.monotonic()
        try:
            expect(page.locator("#receipt-ref")).to_be_visible(timeout=30_000)
            lines.append(
                f"back online: the report went by itself (an offline queue; {workers} service "
                f"worker(s)), reference after {time.monotonic() - back:.1f} s"
            )
        except AssertionError:
            lines.append(
                "back online: nothing was sent by itself in 30 s: no offline queue yet "
                f"({workers} service workers); the draft is kept on the server"
            )
            retry = time.monotonic()
            if "请核对后提交" not in page.content():
                page.goto("/reports/new/check")
            submit(page)
            lines.append(
                f"the resident taps 提交反映 again: reference {time.monotonic() - retry:.1f} s "
                f"after the tap ({time.monotonic() - back:.1f} s after the link came back)"
            )
        engine = create_engine(server.database)
        with engine.connect() as conn:
            made = conn.execute(
                text("SELECT count(*) FROM report WHERE description = :d"), {"d": marker}
            ).scalar_one()
        engine.dispose()
        lines.append(f"reports made: {made} (one expected)")
    except (AssertionError, PlaywrightTimeout) as e:
        lines.append(f"the flow broke: {str(e).splitlines()[0]}")
    finally:
        context.close()
    return lines


# ---- main ----------------------------------------------------------------------------------


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    args = parse_args()
    expect.set_options(timeout=180_000)  # a photo over 50 kbit/s takes a while
    photo = camera_photo()
    tmp = Path(tempfile.mkdtemp(prefix="linli-weak-"))
    with live_gunicorn(tmp, workers=2) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        static = StaticFiles()
        home = browser.new_context().new_page()
        static.add_screens("home", [home.request.get(server.url + "/").body()])
        home.context.close()
        print(f"gunicorn {server.url}, static twin {static.url}; camera photo {len(photo):,} bytes")
        # A server that has been up a while: each worker has compiled the pages' templates.
        for _ in range(3):
            report_flow(browser, server.url, UNSLOWED)
        rows, notes = [], []
        for name in args.profiles:
            profile = PROFILES[name]
            if name == "offline":
                notes.append((name, offline_then_online(browser, server, profile)))
                continue
            home_app = [first_paint(browser, server.url, profile) for _ in range(args.runs)]
            home_static = [
                first_paint(browser, static.url, profile, "/screens/home-1.html")
                for _ in range(args.runs)
            ]
            text_runs = [report_flow(browser, server.url, profile) for _ in range(args.runs)]
            photo_runs = [
                report_flow(browser, server.url, profile, photo) for _ in range(args.runs)
            ]
            text_paths = static.add_screens(f"{name}-text", text_runs[0][3])
            photo_paths = static.add_screens(f"{name}-photo", photo_runs[0][3])
            text_static = [
                static_flow(browser, static, text_paths, profile) for _ in range(args.runs)
            ]
            photo_static = [
                static_flow(browser, static, photo_paths, profile) for _ in range(args.runs)
            ]
            rows.append(
                {
                    "profile": name,
                    "home_bytes": median([b for b, _ in home_app]),
                    "home_fcp": median([f for _, f in home_app]),
                    "home_static_bytes": median([b for b, _ in home_static]),
                    "home_static_fcp": median([f for _, f in home_static]),
                    "text": median([r[0] for r in text_runs]),
                    "text_down": median([r[1] for r in text_runs]),
                    "text_screens": len(text_paths),
                    "text_static": median([t for t, _d, _w in text_static]),
                    "text_wait": median([r[4] for r in text_runs]),
                    "text_static_wait": median([w for _t, _d, w in text_static]),
                    "photo": median([r[0] for r in photo_runs]),
                    "photo_up": median([r[2] for r in photo_runs]),
                    "photo_screens": len(photo_paths),
                    "photo_static": median([t for t, _d, _w in photo_static]),
                }
            )
        browser.close()
        static.close()
    print_table(rows, args.runs)
    for name, lines in notes:
        print(f"\n{name} (2G when online), the link drops at the last step:")
        for line in lines:
            print(f"  {line}")


def print_table(rows, runs):
    if not rows:
        return
    print(f"\nmedian of {runs} run(s); times in seconds, first paint in ms, sizes in bytes")
    head = (
        f"{'profile':<9}{'home B':>8}{'FCP':>7}{'static B':>9}{'FCP':>7}"
        f"{'text':>7}{'static':>8}{'ratio':>7}{'wait':>6}{'static':>8}{'ratio':>7}"
        f"{'photo':>7}{'static':>8}{'photo B':>9}"
    )
    print(head)
    for r in rows:
        print(
            f"{r['profile']:<9}{r['home_bytes']:>8,}{r['home_fcp']:>7.0f}"
            f"{r['home_static_bytes']:>9,}{r['home_static_fcp']:>7.0f}"
            f"{r['text']:>7.1f}{r['text_static']:>8.1f}{r['text'] / r['text_static']:>6.2f}x"
            f"{r['text_wait']:>6.1f}{r['text_static_wait']:>8.1f}"
            f"{r['text_wait'] / r['text_static_wait']:>6.2f}x"
            f"{r['photo']:>7.1f}{r['photo_static']:>8.1f}{r['photo_up']:>9,}"
        )
    print(
        "\ntext / photo: opening the form to seeing the reference; static: the same screens "
        f"({rows[0]['text_screens']} text-only, {rows[0]['photo_screens']} with the photo) as "
        "plain files, without the form posts, redirects or the photo's upload; ratio: text / "
        "static; wait: of that, the seconds the link was busy with the pages' exchanges (not "
        "the script's typing and tapping, which the static screens do not have), and its ratio "
        "(issue 14 item 1 aims at ≤1.2×); photo B: the photo as it went up, shrunk by app.js."
    )


if __name__ == "__main__":
    main()
