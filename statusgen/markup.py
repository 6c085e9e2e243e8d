"""Markdown -> sanitised HTML, and Markdown -> plain text.

Everything a user writes is public and untrusted: after Markdown, nh3
(Rust's ammonia) keeps a small allow-list of tags and attributes and only
http(s) and mailto links, so no script, event handler or ``javascript:``
link survives, in pages and feeds alike.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import markdown
import nh3

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt",
        "em", "h2", "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre",
        "s", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
        "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_md = markdown.Markdown(
    extensions=["tables", "fenced_code", "sane_lists"],
    output_format="html",
)
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=16384)
def to_html(text: str) -> str:
    """Sanitised HTML for a Markdown body or update message."""
    if not text.strip():
        return ""
    # One Markdown instance, reset per document: building one costs more
    # than converting a short text.
    _md.reset()
    rendered = _md.convert(text)
    return nh3.clean(
        rendered,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@lru_cache(maxsize=16384)
def to_text(text: str) -> str:
    """Plain text of a Markdown text on one line, for posts and JSON bodies."""
    stripped = nh3.clean(to_html(text), tags=set(), strip_comments=True)
    return _SPACE.sub(" ", html.unescape(stripped)).strip()
