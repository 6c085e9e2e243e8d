"""The demo pages in headless Chromium (Debian's, driven by Playwright), with axe-core.

Every kind of page (home, the ongoing incident, a maintenance window,
history, a service, a news post and the 404 page) at 390 px (a phone) and
1280 px wide, in light and dark: no console errors, no horizontal overflow,
the banner and the service names visible, the page's parts in view (the
uptime bars and their legend, past incidents by day, history's durations,
the "Get updates" box and its channels), and 0 axe-core violations at
WCAG 2.1 AA, also with an uptime day's details open. Each page is opened
once per case; the tests read what that visit saw. Screenshots go to
tests/artifacts/screenshots/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .support import (
    ARTIFACTS,
    NEWS_POST,
    ONGOING_INCIDENT,
    ONGOING_SERVICE,
    UPCOMING_WINDOW,
    Demo,
)

pytestmark = pytest.mark.integration

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = ARTIFACTS / "screenshots"

PAGES = {
    "home": "",
    "incident": f"incidents/{ONGOING_INCIDENT}/",
    "maintenance": f"incidents/{UPCOMING_WINDOW}/",
    "history": "history/",
    "service": f"services/{ONGOING_SERVICE}/",
    "news": f"news/{NEWS_POST}/",
    "404": "404.html",
}
# The phone (390 px, an iPhone 12 to 15) and desktop.
WIDTHS = {390: 844, 1280: 800}  # viewport width -> height
# The parts each page shows to sight (CSS selectors, each matching at least
# one element, all of them visible and inside the viewport's width), besides
# the "Get updates" box with every channel, which every page has.
SUBSCRIBE = ["#subscribe h2", "#subscribe li > a"]
BARS = [".legend li", ".bars"]
PARTS = {
    "home": [*BARS, "section[aria-labelledby=past-h] h3.day", "#past-h ~ .quiet", *SUBSCRIBE],
    "incident": [".timeline", *SUBSCRIBE],
    "maintenance": [".facts", *SUBSCRIBE],
    "history": ["h2[id^=m]", ".item-meta .dur", *SUBSCRIBE],
    "service": [*BARS, ".item-meta .dur", *SUBSCRIBE],
    "news": [".prose", *SUBSCRIBE],
    "404": SUBSCRIBE,
}
# The uptime day whose details are opened (by keyboard focus) for a second
# axe run: the first day with an incident that the width shows.
TROUBLE_DAY = ".bars > li:has(a)"
SCHEMES = ("light", "dark")
CASES = [(page, width, scheme) for page in PAGES for width in WIDTHS for scheme in SCHEMES]

# The outermost elements that stick out past the viewport's right edge.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].map((c) => '.' + c).join('');
  const sticks = (el) => el.getBoundingClientRect().right > width + 0.5;
  const offenders = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (sticks(el) && !(el.parentElement && sticks(el.parentElement))) {
      const parent = el.parentElement ? name(el.parentElement) + ' > ' : '';
      offenders.push(parent + name(el) + ' (right edge at ' +
        Math.round(el.getBoundingClientRect().right) + ' px)');
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth, offenders: offenders.slice(0, 10)};
}"""

AXE_JS = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(' '),
                                html: n.html.slice(0, 160),
                                summary: n.failureSummary}))}));
}"""

# Within the viewport's width: a name cut off at the right edge is not read.
IN_VIEW_JS = """(el) => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.left >= 0 && r.right <= document.documentElement.clientWidth + 0.5;
}"""


@dataclass
class Visit:
    """What one page at one size and colour scheme showed."""

    case: str
    url: str
    errors: list[str] = field(default_factory=list)
    overflow: dict[str, Any] = field(default_factory=dict)
    not_visible: list[str] = field(default_factory=list)
    parts_not_shown: list[str] = field(default_factory=list)
    violations: list[dict[str, Any]] = field(default_factory=list)
    screenshot: Path | None = None


def _expected_names(page: str, demo: Demo) -> list[str]:
    if page == "home":
        return list(demo.services.values())
    if page in ("incident", "service"):
        return [demo.services[ONGOING_SERVICE]]
    return []


@pytest.fixture(
    scope="module",
    params=CASES,
    ids=[f"{page}-{width}-{scheme}" for page, width, scheme in CASES],
)
def visit(
    request: pytest.FixtureRequest, browser: Any, axe_script: Path, demo: Demo, served: str
) -> Iterator[Visit]:
    page_name, width, scheme = request.param
    seen = Visit(case=f"{page_name} at {width} px, {scheme}", url=served + PAGES[page_name])
    context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on(
        "console",
        lambda m: m.type == "error" and seen.errors.append(f"console: {m.text} ({m.location})"),
    )
    page.on("pageerror", lambda e: seen.errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: seen.errors.append(f"request failed: {r.url} {r.failure}"))
    page.on(
        "response",
        lambda r: r.status >= 400 and seen.errors.append(f"HTTP {r.status}: {r.url}"),
    )
    try:
        page.emulate_media(color_scheme=scheme)
        response = page.goto(seen.url, wait_until="load")
        assert response is not None and response.ok, f"{seen.url}: {response and response.status}"
        page.evaluate("document.fonts.ready.then(() => true)")

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        seen.screenshot = SCREENSHOTS / f"{page_name}-{width}-{scheme}.png"
        page.screenshot(path=str(seen.screenshot), full_page=True)

        seen.overflow = page.evaluate(OVERFLOW_JS)

        if page_name == "home":
            status = json.loads((demo.output / "api/v2/status.json").read_bytes())["status"]
            banner = page.locator(".banner")
            if not (banner.count() == 1 and banner.is_visible()):
                seen.not_visible.append("the banner (.banner)")
            elif status["description"] not in banner.inner_text():
                seen.not_visible.append(f"the banner's {status['description']!r}")
        for name in _expected_names(page_name, demo):
            matches = page.get_by_text(name, exact=True).all()
            if not any(m.is_visible() and m.evaluate(IN_VIEW_JS) for m in matches):
                seen.not_visible.append(f"service name {name!r} ({len(matches)} matches)")

        for selector in PARTS[page_name]:
            matches = page.locator(selector).all()
            hidden = [m for m in matches if not (m.is_visible() and m.evaluate(IN_VIEW_JS))]
            if not matches or hidden:
                seen.parts_not_shown.append(f"{selector} ({len(hidden)} of {len(matches)} not)")

        page.add_script_tag(path=str(axe_script))
        seen.violations = page.evaluate(AXE_JS, AXE_TAGS)
        if PARTS[page_name][: len(BARS)] == BARS:
            _open_a_day(page, seen)
        yield seen
    finally:
        context.close()


def _open_a_day(page: Any, seen: Visit) -> None:
    """Focus a trouble day in view, then check the page with its details open."""
    day = page.locator(TROUBLE_DAY).filter(visible=True).first
    day.evaluate("e => e.scrollIntoView({block: 'center'})")
    day.focus()
    details = day.locator("p").bounding_box()
    # Closed, the details are a clipped 1 px box (still read by screen readers).
    if not (details and details["width"] > 1 and day.locator("p").evaluate(IN_VIEW_JS)):
        seen.parts_not_shown.append(f"the open details of {TROUBLE_DAY} ({details})")
    opened = page.evaluate(OVERFLOW_JS)
    if opened["scrollWidth"] > seen.overflow["scrollWidth"]:
        seen.overflow = {**opened, "offenders": ["with a day open:", *opened["offenders"]]}
    for violation in page.evaluate(AXE_JS, AXE_TAGS):
        seen.violations.append({**violation, "help": violation["help"] + " (a day open)"})


def test_no_console_errors(visit: Visit) -> None:
    assert not visit.errors, f"{visit.case} ({visit.url}):\n" + "\n".join(visit.errors)


def test_no_horizontal_overflow(visit: Visit) -> None:
    overflow = visit.overflow
    assert overflow["scrollWidth"] <= overflow["innerWidth"], (
        f"{visit.case} ({visit.url}): the page is {overflow['scrollWidth']} px wide in a "
        f"{overflow['innerWidth']} px viewport; sticking out:\n" + "\n".join(overflow["offenders"])
    )


def test_banner_and_service_names_visible(visit: Visit) -> None:
    assert not visit.not_visible, f"{visit.case} ({visit.url}): not visible: " + "; ".join(
        visit.not_visible
    )


def test_the_pages_parts_are_shown(visit: Visit) -> None:
    assert not visit.parts_not_shown, f"{visit.case} ({visit.url}): not shown: " + "; ".join(
        visit.parts_not_shown
    )


def test_axe_finds_no_wcag21_aa_violations(visit: Visit) -> None:
    lines = [
        f"{v['id']} ({v['impact']}): {v['help']}: {n['target']}  {n['html']}"
        for v in visit.violations
        for n in v["nodes"]
    ]
    assert not visit.violations, (
        f"{visit.case} ({visit.url}): {len(visit.violations)} axe-core rule(s) violated, "
        f"{len(lines)} element(s):\n" + "\n".join(lines)
    )
