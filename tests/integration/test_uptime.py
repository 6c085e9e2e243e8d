"""The uptime bars in headless Chromium, as a reader uses them: every day's
details show on hover, keyboard focus and tap, below the bar (never over the
service's status badge), with no JavaScript on the page; a phone shows 30 days
wide enough to tap; axe finds nothing wrong with a day's details open, in
light and dark.

The demo's Email row at NOW: 22 Nov is its partial outage ("Email delivery
delays"); its first day is clean.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .test_browser import AXE_JS, AXE_TAGS

pytestmark = pytest.mark.integration

EMAIL = ".svc:has(a.svc-name[href$='/services/email/'])"
DAYS = f"{EMAIL} .bars > li"
OUTAGE_DAY = f"{DAYS}:has(a[href*='email-delivery-delays'])"


@pytest.fixture
def open_page(browser: Any, served: str) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(width: int, scheme: str = "light", touch: bool = False) -> Any:
        context = browser.new_context(viewport={"width": width, "height": 900}, has_touch=touch)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.emulate_media(color_scheme=scheme)
        page.goto(served, wait_until="load")
        # The day details are CSS alone: the one script is the optional clock,
        # which never touches the bars.
        scripts = page.evaluate("[...document.scripts].map(s => new URL(s.src).pathname)")
        assert [s.rsplit("/", 1)[-1] for s in scripts] == ["clock.js"]
        return page

    yield make
    for context in contexts:
        context.close()


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def is_open(details: Any) -> bool:
    """Shown to sight: closed details are a clipped 1 px box (still read by
    screen readers), which Playwright counts as visible."""
    return box(details)["width"] > 1


def centre(locator: Any) -> Any:
    """Scrolled to the middle of the viewport, so the details below fit in it."""
    locator.evaluate("e => e.scrollIntoView({block: 'center'})")
    return locator


def assert_details_below_the_bar(page: Any, day: Any, text: str) -> None:
    details = day.locator("p")
    assert is_open(details)
    assert details.inner_text().startswith(text)
    bar = box(page.locator(f"{EMAIL} .bars"))
    shown = box(details)
    assert shown["y"] >= bar["y"] + bar["height"] - 0.5, (shown, bar)
    assert not overlaps(shown, box(page.locator(f"{EMAIL} .badge"))), "covers the status badge"
    assert shown["x"] >= 0 and shown["x"] + shown["width"] <= page.viewport_size["width"]


def test_a_clean_day_shows_its_details_on_hover_and_hides_them_after(open_page: Any) -> None:
    page = open_page(1280)
    first = centre(page.locator(DAYS).first)
    assert not is_open(first.locator("p"))
    first.hover()
    assert_details_below_the_bar(page, first, "27 Aug 2026: no downtime recorded")
    page.mouse.move(0, 0)
    assert not is_open(first.locator("p"))


def test_keyboard_focus_shows_a_days_details_and_reaches_its_incident(open_page: Any) -> None:
    page = open_page(1280)
    day = centre(page.locator(OUTAGE_DAY))
    day.focus()
    assert_details_below_the_bar(page, day, "22 Nov 2026: 96.77% uptime, partial outage")
    page.keyboard.press("Tab")  # the day's link is next in the tab order
    link = day.locator("a")
    assert link.evaluate("a => a === document.activeElement")
    assert is_open(day.locator("p"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/incidents/2026-11-22-email-delivery-delays/")


def test_the_pointer_can_move_into_the_details_and_follow_the_link(open_page: Any) -> None:
    page = open_page(1280)
    day = centre(page.locator(OUTAGE_DAY))
    day.hover()
    link = day.locator("a")
    target = box(link)
    # Down from the day, across the gap, to the link: the details stay open.
    start = box(day)
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] - 2)
    page.mouse.move(target["x"] + 5, target["y"] + target["height"] / 2, steps=8)
    assert is_open(day.locator("p"))
    page.mouse.click(target["x"] + 5, target["y"] + target["height"] / 2)
    page.wait_for_url("**/incidents/2026-11-22-email-delivery-delays/")


def test_a_phone_shows_30_days_that_a_tap_opens(open_page: Any) -> None:
    page = open_page(390, touch=True)
    visible = [d for d in page.locator(DAYS).all() if d.is_visible()]
    assert len(visible) == 30
    assert min(box(d)["width"] for d in visible) >= 8
    axis = page.locator(f"{EMAIL} .axis")
    assert axis.inner_text().split("\n")[0].startswith("30 days ago")
    day = centre(page.locator(OUTAGE_DAY))
    day.tap()
    assert_details_below_the_bar(page, day, "22 Nov 2026: 96.77% uptime, partial outage")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_axe_finds_nothing_with_a_days_details_open(
    open_page: Any,
    axe_script: Any,
    width: int,
    scheme: str,
) -> None:
    page = open_page(width, scheme)
    page.locator(OUTAGE_DAY).focus()
    page.add_script_tag(path=str(axe_script))
    violations = page.evaluate(AXE_JS, AXE_TAGS)
    assert violations == [], violations
