"""Markdown -> sanitised HTML, and Markdown -> plain text.

Everything a user writes is public and untrusted: after Markdown, nh3
(Rust's ammonia) keeps a small allow-list of tags and attributes and only
http(s) and mailto links, so no script, event handler or ``javascript:``
link survives, in pages and feeds alike.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

import nh3

if TYPE_CHECKING:
    import markdown

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

_SPACE = re.compile(r"\s+")


class Converted(Protocol):
    """Markdown already converted: the build's Markdown stage (`stages.convert_texts`)."""

    def html(self, text: str) -> str:
        """`convert(text)`, looked up (or converted and kept)."""
        ...


_converted: ContextVar[Converted | None] = ContextVar("statusgen.markup", default=None)
"""The `Converted` of the build that is rendering now, set by `converting` only
for the time of that build (a context variable, so that nothing of one build
stays behind for the next, and a thread's build is its own)."""

_md: markdown.Markdown | None = None


@contextmanager
def converting(converted: Converted | None) -> Iterator[None]:
    """Within the block, `to_html` answers from `converted`: Markdown is by far
    the dearest step of a build, and the build converts each text once, in its
    own stage, keeping the results between builds."""
    token = _converted.set(converted)
    try:
        yield
    finally:
        _converted.reset(token)


def to_html(text: str) -> str:
    """Sanitised HTML for a Markdown body or update message."""
    if not text.strip():
        return ""
    converted = _converted.get()
    if converted is not None:
        return converted.html(text)
    return _to_html(text)


@lru_cache(maxsize=16384)
def _to_html(text: str) -> str:
    """`convert`, for a caller outside any build (a test, the manifest of a model)."""
    return convert(text)


def convert(text: str) -> str:
    """`to_html` without any memo: Markdown, then the sanitiser."""
    if not text.strip():
        return ""
    plain = _plain_line(text)
    if plain is not None:
        # Most texts are one-line update messages with nothing Markdown or the
        # sanitiser would change: their bytes are known without either (a
        # property test holds this against Python-Markdown and nh3).
        return f"<p>{plain}</p>"
    return _markdown_html(text)


def _markdown_html(text: str) -> str:
    """Python-Markdown, then the sanitiser: what `convert` does for any text."""
    global _md
    if _md is None:
        # Built on first use: importing Markdown and its extensions costs a
        # tenth of a second, which a rebuild served from the cache never needs.
        import markdown

        _md = markdown.Markdown(
            extensions=["tables", "fenced_code", "sane_lists"],
            output_format="html",
        )
    # One Markdown instance, reset per document: building one costs more
    # than converting a short text.
    _md.reset()
    if len(text) > MARKDOWN_MAX:
        # A dump, not prose: shown as typed, since no budget bounds Markdown here.
        rendered = "".join(f"<p>{html.escape(p)}</p>" for p in _BLANK_LINES.split(text))
    else:
        rendered = _convert_bounded(_md, text)
    return nh3.clean(
        rendered,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        attribute_filter=_keep_attribute,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_PLAIN_ASCII = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.;:?!'\"()/@%$-+"
)
"""ASCII that neither Markdown (in a line that starts with none of ``-+`` or a
number and a dot) nor the sanitiser changes: no emphasis, code, link, HTML,
entity, escape, heading, table, fence or tab."""
_NUMBERED = re.compile(r"\d+[.)]")


def _plain_line(text: str) -> str | None:
    """The line that `text` is, when Markdown and the sanitiser would only wrap it
    in ``<p>``: one line (trailing line ends aside) of `_PLAIN_ASCII` or printable
    non-ASCII (which leaves out every other space: U+00A0 becomes ``&nbsp;``),
    not starting like a list item or an indented block, and short enough not
    to be cut (`BLOCK_CHARS`). None otherwise."""
    line = text.rstrip("\n")
    if not line or len(line) > BLOCK_CHARS or line[0] in " -+":
        return None
    if line.isascii():
        if not _PLAIN_ASCII.issuperset(line):
            return None
    elif not all(c in _PLAIN_ASCII or (c >= "\x80" and c.isprintable()) for c in line):
        return None
    if line[0].isdigit() and _NUMBERED.match(line):
        return None
    return line


_URL_IGNORED = re.compile(r"[\t\n\r]")
"""Removed anywhere in a URL by browsers (WHATWG URL parsing)."""
_URL_LEADING = "".join(chr(code) for code in range(0x21))
"""Stripped from the start of a URL by browsers: C0 controls and space."""


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    """Drop a link that leaves the site without naming a scheme.

    ``//evil.example/`` (and ``/\\evil.example/``, ``\\\\evil.example``:
    browsers read a backslash as a slash in http(s) URLs) looks relative to
    the sanitiser, but a browser resolves it to another host. It names no
    scheme, so it cannot pass the scheme allow-list: the link text stays,
    the link goes. ``https://evil.example/`` is what to write for a link
    that is meant to leave.
    """
    if attribute == "href":
        url = _URL_IGNORED.sub("", value).lstrip(_URL_LEADING)
        if url[:2].replace("\\", "/") == "//":
            return None
    return value


def to_text(text: str) -> str:
    """Plain text of a Markdown text on one line, for posts and JSON bodies."""
    return _to_text(to_html(text))


@lru_cache(maxsize=16384)
def _to_text(html_text: str) -> str:
    stripped = nh3.clean(html_text, tags=set(), strip_comments=True)
    return _SPACE.sub(" ", html.unescape(stripped)).strip()


# --- bounding Markdown's time ------------------------------------------------------------
#
# Python-Markdown needs time quadratic in some inputs, and a status page must
# build during an incident whatever was pasted into it. Measured (3.11,
# Markdown 3.11): 10,000 '[' with no ']' take 17 s, a pasted 80 KB log with
# terminal colours (each "\x1b[32m" an unclosed bracket) 49 s; 25,000 '<a'
# without '>' take 4 s in html.parser; 13,000 lines "```a" (fences never
# closed) 10 s; a list nested 250 deep overflows the stack. So:
#
# * the scans for the ends of links, start tags and code fences are
#   predicted in linear time and, past a budget, the brackets (tag starts,
#   fence marks) of the costliest paragraphs are swapped for private-use
#   stand-ins that Markdown passes through as plain text, and put back in
#   its HTML. Such characters can never close in time anyway, so the page
#   shows what was typed; only a real link in such a paragraph stays text;
# * a block (paragraph, list, table) longer than `BLOCK_CHARS` or
#   `BLOCK_LINES` is cut into several, because each line or match Markdown
#   takes from a block rescans the whole block (setext headings, emphasis);
# * a text longer than `MARKDOWN_MAX` is shown as plain paragraphs.
#
# The worst input found then costs a few seconds per 256 KB (deeply nested
# raw <div>s, which the sanitiser needs quadratic time for); ordinary text
# never reaches a budget and converts exactly as before.

MARKDOWN_MAX = 256 * 1024
"""Longest text converted as Markdown (a body is rarely 20 KB); a longer one is a dump."""
SCAN_BUDGET = 1_000_000
"""Characters Python-Markdown may scan for the ends of links (its slowest
loop, about 3 million characters a second) before brackets are defused."""
TAG_SCAN_BUDGET = 50_000_000
"""Characters html.parser may scan for the ends of start tags (C speed)."""
FENCE_SCAN_BUDGET = 20_000_000
"""Characters the fenced-code regex may scan for closing fences."""
BLOCK_CHARS = 8192
"""Longest block (paragraph, list, table) Markdown is given; longer ones are cut."""
BLOCK_LINES = 200
"""Most lines in one block Markdown is given."""

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_LINK_TOKEN = re.compile(r"\]\(|[\[\]()]")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def _convert_bounded(md: markdown.Markdown, text: str) -> str:
    """Markdown's HTML for `text`, in time bounded as the section comment says."""
    source, restore = _defuse(text)
    try:
        rendered = md.convert(source)
    except RecursionError:
        # Lists nested a few hundred deep overflow Markdown's recursion:
        # show the text as typed rather than fail the build.
        md.reset()
        rendered = "".join(f"<p>{html.escape(p)}</p>" for p in _BLANK_LINES.split(source))
    for stand_in, real in restore.items():
        rendered = rendered.replace(stand_in, real)
    return rendered


def _defuse(text: str) -> tuple[str, dict[str, str]]:
    """`text` with stand-ins where Markdown would take too long, and how to put them back."""
    n = len(text)
    links_cheap = (text.count("[") + text.count("(")) * n <= SCAN_BUDGET
    blocks_small = n <= BLOCK_CHARS and text.count("\n") < BLOCK_LINES
    fences_cheap = (text.count("```") + text.count("~~~")) * n <= FENCE_SCAN_BUDGET
    tags_cheap = text.count("<") * n <= TAG_SCAN_BUDGET
    if links_cheap and blocks_small and fences_cheap and tags_cheap:
        return text, {}  # the usual case: even the worst order is within the budgets
    free = [chr(c) for c in range(0xF8F0, 0xF900) if chr(c) not in text]
    if len(free) < 5:
        return text, {}  # pragma: no cover - a text holding twelve of the sixteen stand-ins
    opening, closing, tag, backtick, tilde = free[:5]
    parts = _split_fences(text)
    chunks = [_BLANK_LINES.split(part) if not fenced else [part] for fenced, part in parts]
    if not links_cheap:
        costs = sorted(
            (
                (_link_cost(chunk), i, j)
                for i, (fenced, _) in enumerate(parts)
                if not fenced
                for j, chunk in enumerate(chunks[i])
            ),
            reverse=True,
        )
        total = sum(cost for cost, _, _ in costs)
        for cost, i, j in costs:
            if total <= SCAN_BUDGET:
                break
            chunks[i][j] = chunks[i][j].replace("[", opening).replace("]", closing)
            total -= cost
    out = []
    for (fenced, part), pieces in zip(parts, chunks, strict=True):
        if fenced:
            out.append(part)
            continue
        separators = [*_BLANK_LINES.findall(part), ""]
        out.extend(_cut(piece) + sep for piece, sep in zip(pieces, separators, strict=True))
    result = "".join(out)
    if _tag_cost(result) > TAG_SCAN_BUDGET:
        result = _outside_fences(result, lambda part: _TAG_START.sub(tag, part))
    if _fence_cost(result) > FENCE_SCAN_BUDGET:
        # What `_split_fences` left outside a block opens a fence that never closes.
        marks = {"`": backtick, "~": tilde}
        result = _outside_fences(
            result, lambda part: _FENCE.sub(lambda m: _swap_marks(m.group(0), marks), part)
        )
    return result, {opening: "[", closing: "]", tag: "&lt;", backtick: "`", tilde: "~"}


def _swap_marks(fence: str, marks: dict[str, str]) -> str:
    mark = fence.strip()[0]
    return fence.replace(mark, marks[mark])


def _outside_fences(text: str, change: Callable[[str], str]) -> str:
    return "".join(part if fenced else change(part) for fenced, part in _split_fences(text))


def _fence_cost(text: str) -> int:
    """Characters scanned for the closing fences of fences that never close.

    `_split_fences` pairs every fence it can, so the openers left are in its
    last part, and each makes Markdown's regex scan to the end.
    """
    last = _split_fences(text)[-1][1]
    return sum(len(last) - m.start() for m in _FENCE.finditer(last))


def _cut(block: str) -> str:
    """A block of more than `BLOCK_CHARS` or `BLOCK_LINES` as several, at line ends
    (a longer line at spaces): Markdown's block and inline passes rescan a whole
    block for each line or match they take from it."""
    if len(block) <= BLOCK_CHARS and block.count("\n") < BLOCK_LINES:
        return block
    pieces: list[str] = []
    lines: list[str] = []
    size = 0
    for line in block.split("\n"):
        while len(line) > BLOCK_CHARS:
            cut = line.rfind(" ", 0, BLOCK_CHARS)
            cut = cut if cut > 0 else BLOCK_CHARS
            pieces += ["\n".join(lines)] if lines else []
            pieces.append(line[:cut])
            lines, size, line = [], 0, line[cut:].lstrip(" ")
        if lines and (size + len(line) > BLOCK_CHARS or len(lines) >= BLOCK_LINES):
            pieces.append("\n".join(lines))
            lines, size = [], 0
        lines.append(line)
        size += len(line) + 1
    pieces += ["\n".join(lines)] if lines else []
    return "\n\n".join(pieces)


def _split_fences(text: str) -> list[tuple[bool, str]]:
    """(is a fenced code block, text) parts: Markdown scans no links or tags in code."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    while True:
        opening = _FENCE.search(text, pos)
        if opening is None:
            break
        marker = opening.group(1)
        closing = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$", re.M)
        end_of_line = text.find("\n", opening.end())
        found = closing.search(text, end_of_line + 1) if end_of_line >= 0 else None
        if found is None:
            break  # an unclosed fence is no code block to Markdown either
        parts.append((False, text[pos : opening.start()]))
        parts.append((True, text[opening.start() : found.end()]))
        pos = found.end()
    parts.append((False, text[pos:]))
    return parts


def _link_cost(chunk: str) -> int:
    """Characters Markdown's link parser scans in one paragraph: from each '[' to
    its match (or the end), and from each '](' to the matching ')' (or the end)."""
    n = len(chunk)
    cost = 0
    brackets: list[int] = []
    parens: list[tuple[int, bool]] = []
    for m in _LINK_TOKEN.finditer(chunk):
        token, at = m.group(), m.start()
        if token == "[":
            brackets.append(at)
        elif token in ("]", "]("):
            if brackets:
                cost += at - brackets.pop()
            if token == "](":
                parens.append((at, True))
        elif token == "(":
            parens.append((at, False))
        elif parens:
            start, link = parens.pop()
            if link:
                cost += at - start
    cost += sum(n - at for at in brackets)
    cost += sum(n - at for at, link in parens if link)
    return cost


def _tag_cost(text: str) -> int:
    """Characters html.parser scans from each possible start tag to the next '>'."""
    ends = [m.start() for m in re.finditer(">", text)]
    cost = k = 0
    for m in _TAG_START.finditer(text):
        at = m.start()
        while k < len(ends) and ends[k] < at:
            k += 1
        cost += (ends[k] if k < len(ends) else len(text)) - at
    return cost
