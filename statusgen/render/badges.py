"""Status badges and the embeddable banner: for the intranet, the VLE, the helpdesk portal.

- ``badge.svg`` (the whole site) and ``services/<id>/badge.svg`` (one service):
  a flat two-part badge, "status | Minor Service Outage", "Email | Operational".
  Each is an accessible image: ``role="img"``, an ``aria-label`` and a
  ``<title>`` with the same words, so the text alternative travels with the
  file wherever it is embedded.
- ``api/badge.json`` and ``services/<id>/badge.json``: the same words in
  shields.io's endpoint schema (``schemaVersion``, ``label``, ``message``,
  ``color``), for a site that prefers shields' styles.
- ``embed/banner.js``: a script that shows a banner while something is wrong
  (see `banner.js` beside this module).

The words are the page's own: the overall description of the home page's
banner and each service's status label, so a translation of those strings
translates the badges too. Colours follow the overall indicator and the
service status; every fill is dark enough for white text (4.5:1), except
the minor yellow, which takes dark text.

Text width is estimated from a fixed table of Verdana 11px advance widths
(what shields' badges measure with), so the bytes depend on the words alone,
never on fonts installed on the build machine; ``textLength`` makes a
browser fit the text to that width whatever font it picks.
"""

from __future__ import annotations

import unicodedata
from importlib import resources
from xml.sax.saxutils import escape, quoteattr

from .. import jsontext
from ..i18n.strings import Strings, strings_for
from ..model import ComponentStatus, Indicator, Site
from ..status import SiteStatus
from .formatting import overall_text

SITE_BADGE = "badge.svg"
SITE_BADGE_JSON = "api/badge.json"
EMBED_PATH = "embed/banner.js"
SITE_LABEL = "status"
"""The left text of the site's badge (a service's badge shows the service's name)."""

LABEL_FILL = "#555"
HEIGHT = 20
PADDING = 5
"""Pixels each side of a text."""

# (fill, text colour, shields.io colour name) per state.
_OK = ("#1a7f37", "#fff", "brightgreen")
_MINOR = ("#f2c744", "#24292f", "yellow")
_MAJOR = ("#bc4c00", "#fff", "orange")
_CRITICAL = ("#cf222e", "#fff", "red")
_MAINTENANCE = ("#0969da", "#fff", "blue")

_INDICATOR_COLOURS = {
    Indicator.NONE: _OK,
    Indicator.MINOR: _MINOR,
    Indicator.MAJOR: _MAJOR,
    Indicator.CRITICAL: _CRITICAL,
    Indicator.MAINTENANCE: _MAINTENANCE,
}
_STATUS_COLOURS = {
    ComponentStatus.OPERATIONAL: _OK,
    ComponentStatus.DEGRADED_PERFORMANCE: _MINOR,
    ComponentStatus.PARTIAL_OUTAGE: _MAJOR,
    ComponentStatus.MAJOR_OUTAGE: _CRITICAL,
    ComponentStatus.UNDER_MAINTENANCE: _MAINTENANCE,
}

# Verdana's advance widths in font units (2048 to the em), rounded; a badge at
# 11px is units * 11 / 2048 pixels wide. Characters not listed count as "o".
_UNITS_PER_EM = 2048
_FONT_SIZE = 11
_WIDTHS = {
    **dict(zip("abcdefghijklmnopqrstuvwxyz", (
        1229, 1276, 1064, 1276, 1220, 720, 1276, 1296, 562, 676, 1212, 562, 1992,
        1296, 1243, 1276, 1276, 874, 1064, 807, 1296, 1212, 1675, 1212, 1212, 1052,
    ), strict=True)),
    **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (
        1401, 1405, 1436, 1580, 1290, 1178, 1577, 1544, 862, 1024, 1423, 1178, 1745,
        1542, 1612, 1240, 1612, 1433, 1405, 1264, 1530, 1401, 2042, 1407, 1264, 1407,
    ), strict=True)),
    **dict.fromkeys("0123456789", 1303),
    " ": 720, ".": 745, ",": 745, ":": 889, ";": 889, "-": 878, "–": 1229, "—": 2048,
    "(": 1045, ")": 1045, "[": 1045, "]": 1045, "/": 889, "&": 1489, "%": 2207,
    "'": 550, "’": 745, '"': 941, "!": 808, "?": 1114, "+": 1716, "_": 1229, "@": 2048,
}  # fmt: skip
_DEFAULT_WIDTH = _WIDTHS["o"]


def render_badges(
    site: Site, status: SiteStatus, strings: Strings | None = None
) -> dict[str, bytes]:
    """Every badge and the banner script, output-relative path -> bytes, in
    `strings`' words (the site's language when None). Pure."""
    t = strings if strings is not None else strings_for(site.config)
    overall = status.overall
    site_words = (t("badge.site"), overall_text(overall, t))
    files = {
        SITE_BADGE: badge_svg(*site_words, _INDICATOR_COLOURS[overall.indicator]),
        SITE_BADGE_JSON: badge_json(*site_words, _INDICATOR_COLOURS[overall.indicator]),
    }
    for service_status in status.services:
        service = service_status.service
        words = (service.name, t(f"status.{service_status.status.value}"))
        colours = _STATUS_COLOURS[service_status.status]
        files[f"services/{service.id}/badge.svg"] = badge_svg(*words, colours)
        files[f"services/{service.id}/badge.json"] = badge_json(*words, colours)
    files[EMBED_PATH] = banner_script()
    return files


def text_width(text: str) -> float:
    """The text's width in pixels at Verdana 11px, from the table; wide (CJK)
    characters count a full em, combining marks nothing."""
    units = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        if unicodedata.east_asian_width(char) in ("W", "F"):
            units += _UNITS_PER_EM
        else:
            units += _WIDTHS.get(char, _DEFAULT_WIDTH)
    return units * _FONT_SIZE / _UNITS_PER_EM


def badge_svg(label: str, message: str, colours: tuple[str, str, str]) -> bytes:
    """A flat badge, `label` on grey and `message` on its colour."""
    fill, ink, _ = colours
    words = f"{label}: {message}"
    label_text, message_text = round(text_width(label), 1), round(text_width(message), 1)
    left = label_text + 2 * PADDING
    right = message_text + 2 * PADDING
    width = left + right

    def num(value: float) -> str:
        return f"{value:.1f}".removesuffix(".0")

    return "".join(
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{num(width)}" height="{HEIGHT}" '
            f'viewBox="0 0 {num(width)} {HEIGHT}" role="img" aria-label={quoteattr(words)}>',
            f"<title>{escape(words)}</title>",
            f'<clipPath id="r"><rect width="{num(width)}" height="{HEIGHT}" rx="3"/></clipPath>',
            '<g clip-path="url(#r)">',
            f'<rect width="{num(left)}" height="{HEIGHT}" fill="{LABEL_FILL}"/>',
            f'<rect x="{num(left)}" width="{num(right)}" height="{HEIGHT}" fill="{fill}"/>',
            "</g>",
            '<g font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11" '
            'text-anchor="middle">',
            f'<text x="{num(left / 2)}" y="14" fill="#fff" textLength="{num(label_text)}">'
            f"{escape(label)}</text>",
            f'<text x="{num(left + right / 2)}" y="14" fill="{ink}" '
            f'textLength="{num(message_text)}">{escape(message)}</text>',
            "</g></svg>\n",
        )
    ).encode("utf-8")


def badge_json(label: str, message: str, colours: tuple[str, str, str]) -> bytes:
    """shields.io's endpoint document for the same badge."""
    return jsontext.dump(
        {"schemaVersion": 1, "label": label, "message": message, "color": colours[2]}
    )


def banner_script() -> bytes:
    """``embed/banner.js`` as shipped beside this module (it needs nothing site-specific:
    it finds the site from its own URL)."""
    return resources.files(__package__).joinpath("banner.js").read_bytes()
