"""The demo pages in headless Chromium (Debian's, driven by Playwright), with axe-core.

Home, the ongoing incident, history and a service page, at 360 px and
1280 px wide, in light and dark: no console errors, no horizontal overflow,
the banner and the service names visible, and 0 axe-core violations at
WCAG 2.1 AA. Each page is opened once per case; the tests read what that
visit saw. Screenshots go to tests/artifacts/screenshots/.
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
    ONGOING_INCIDENT,
    ONGOING_SERVICE,
    Demo,
)

pytestmark = pytest.mark.integration

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = ARTIFACTS / "screenshots"

PAGES = {
    "home": "",
    "incident": f"incidents/{ONGOING_INCIDENT}/",
    "history": "history/",
    "service": f"services/{ONGOING_SERVICE}/",
}
WIDTHS = {360: 740, 1280: 800}  # viewport width -> height
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

        page.add_script_tag(path=str(axe_script))
        seen.violations = page.evaluate(AXE_JS, AXE_TAGS)
        yield seen
    finally:
        context.close()


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
