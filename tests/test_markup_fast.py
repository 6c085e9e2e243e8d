"""The Markdown fast path: a text Markdown and the sanitiser would only wrap in
``<p>`` skips both, and gives exactly their bytes.

The property is held against Python-Markdown itself (with the site's extensions)
and nh3, over texts built from plain words and every near miss: emphasis and code
marks, HTML and entities, headings, list and quote starts, numbers before a dot,
indents, tabs, two trailing spaces, backslashes, URLs, and non-ASCII (spaces that
are not U+0020 among them)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from statusgen import markup

PLAIN = "abcXYZ019 ,.;:?!'\"()/@%$-+"
NEAR_MISSES = "*_`<>&#\\\t[]|~=^{}\n\r"
NON_ASCII = "é’中😀\u00a0\u200b\u2028\u0301\ufffd\u2003ß"
PIECES = [
    "1. ",
    "2) ",
    "10.",
    "- ",
    "+ ",
    "* ",
    "# ",
    "    ",
    "> ",
    "---",
    "===",
    "  \n",
    "\n\n",
    "https://example.org/a?b=1",
    "http://example.org/a_b_c",
    "<https://example.org/>",
    "www.example.org",
    "ops@example.org",
    "&amp;",
    "&copy",
    "<b>",
    "Fixed.",
    "We are watching.",
]

texts = st.lists(
    st.one_of(
        st.text(alphabet=PLAIN, min_size=1, max_size=12),
        st.text(alphabet=PLAIN + NEAR_MISSES + NON_ASCII, min_size=1, max_size=4),
        st.sampled_from(PIECES),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(texts)
@example("Fixed.")
@example("Update 3: the fix is holding, we keep watching.")
@example("text  ")
@example("text\n")
@example("text  \n")
@example("1. one")
@example("1) one")
@example("2026. A year")
@example("- a")
@example("x\u00a0y")
@example(" leading space")
@example("café ’ok’ 中文 😀")
@example("see https://example.org/status")
@example("a" * (markup.BLOCK_CHARS + 1))
@example(("word " * 2000).strip())
def test_the_fast_path_gives_python_markdowns_bytes(text):
    assert markup.convert(text) == markup._markdown_html(text)


def test_one_line_messages_take_the_fast_path():
    for text in ("Fixed.", "Update 3: the fix is holding, we keep watching.", "café 中文"):
        assert markup._plain_line(text) == text
    assert markup._plain_line("Fixed.\n") == "Fixed."


def test_what_markdown_would_change_does_not():
    for text in (
        "**bold**",
        "a_b",
        "`code`",
        "<b>x</b>",
        "a & b",
        "# Heading",
        "1. one",
        "- item",
        "    indented",
        "a\tb",
        "two lines\nhere",
        "a\\b",
        "x\u00a0y",
        "a" * (markup.BLOCK_CHARS + 1),
    ):
        assert markup._plain_line(text) is None, text
