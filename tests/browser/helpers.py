"""What every page must do at a phone's width (docs/design.md §6), checked in a real browser."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from blueprints.auth.demo import DEMO_PASSWORD

AXE = Axe()

# Where 下一步 on a report's details leads: the similar reports nearby, or straight to the photos.
# Wait for it before asking page.url which: the click returns before the next page is there.
AFTER_DETAILS = re.compile(r"/reports/new/(similar|photos)$")

# Each visible control's box; a checkbox or radio is measured by its label, the real target.
TARGETS_JS = """
() => {
  const out = [];
  for (const el of document.querySelectorAll("a[href], button, input, select, textarea")) {
    if (el.type === "hidden") continue;
    let box = el;
    if (el.type === "checkbox" || el.type === "radio") {
      box = el.closest("label") || (el.id && document.querySelector(`label[for="${el.id}"]`)) || el;
    }
    if (!box.checkVisibility({visibilityProperty: true})) continue;
    const r = box.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const text = (el.innerText || el.value || el.name || el.getAttribute("href") || "").trim();
    out.push({tag: el.tagName.toLowerCase(), text: text.slice(0, 30), w: r.width, h: r.height});
  }
  return out;
}
"""

TEXT_JS = """
() => {
  const s = getComputedStyle(document.body);
  return {
    size: parseFloat(s.fontSize),
    lineHeight: parseFloat(s.lineHeight) / parseFloat(s.fontSize),
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  };
}
"""


def check_page(page, large=False, axe_page=None):
    """Axe finds nothing; targets ≥48 px (≥60 in large text); no sideways scroll; big text.

    axe_page: where axe runs, when not on the page itself (see static_twin in conftest.py)."""
    results = AXE.run(axe_page or page).response["violations"]
    found = [(v["id"], [n["target"] for n in v["nodes"]]) for v in results]
    assert not found, f"axe violations on {page.url}: {found}"

    least = 60 if large else 48
    small = [t for t in page.evaluate(TARGETS_JS) if t["w"] < least - 0.01 or t["h"] < least - 0.01]
    assert not small, f"targets under {least}×{least} px on {page.url}: {small}"

    text = page.evaluate(TEXT_JS)
    assert text["scrollWidth"] <= text["innerWidth"], f"sideways scroll on {page.url}: {text}"
    assert text["size"] >= (22 if large else 18), f"body text too small on {page.url}: {text}"
    assert text["lineHeight"] >= 1.3, f"line height too tight on {page.url}: {text}"

    # Headless Chromium has no speech voices, so the read-aloud button must stay out of sight.
    expect(page.locator("#read-aloud")).to_be_hidden()


def log_in(page, phone, password=DEMO_PASSWORD):
    """Signs in through the real form and waits for the home page."""
    page.goto("/auth/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码", exact=True).fill(password)
    page.locator("main").get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("h1")).to_contain_text("您好")
