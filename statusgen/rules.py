"""Privacy rules: compiled for a linear-time engine, and text read as a reader reads it.

Why RE2 (the google-re2 wheel) and not Python's `re`: `re` backtracks, so
a rule can take time exponential (``(a+)+$``) or quadratic (``[\\w.-]+\\.
internal\\.example\\.ac\\.uk`` on a 200 KB token: minutes) in the text it
searches, and every output of every build is searched. RE2 runs in time
linear in the text, whatever the rule; it is Google's, maintained, and
ships binary wheels for Linux, macOS and Windows. It lacks look-around and
backreferences, which a list of forbidden names does not need; a rule that
uses one is a config error that names the feature (`RuleError`). The
alternatives were `regex` (backtracking too, with a timeout: a rule that
times out is a build that fails for no reason the user can see) and
Hyperscan (x86 only, no Windows wheels).

This module also holds the reading shared by the guard over outputs, the
tracing back to sources and the check of posts: `reader_forms`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import unquote

import re2

READING = "read-2"
"""Changes whenever what the guard reads changes, so the cache checks again."""


class RuleError(ValueError):
    """A rule RE2 cannot compile; the message says why and what to write instead."""


@dataclass(frozen=True)
class Rule:
    """One ``[privacy] forbidden`` entry."""

    pattern: str
    """As written in site.toml (shown in every problem)."""
    case_sensitive: bool = False
    """Rules ignore case (host names do) unless the entry says otherwise."""
    regex: Any = field(default=None, repr=False, compare=False)
    """The compiled RE2 regex (`compile_rule` fills it in)."""

    @property
    def key(self) -> str:
        """What the guard's result depends on, for the cache."""
        return f"{READING}\0{int(self.case_sensitive)}\0{self.pattern}"

    def search(self, text: str) -> Any:
        """The first match in `text` as a reader reads it (`reader_forms`), or None.

        For the short texts of posts and their fields; the guard reads each
        output once and searches the result with `find`.
        """
        return self.regex.search(normalise(SEPARATOR.join(reader_forms(text, markup=True))))

    def find(self, data: bytes) -> Iterator[tuple[int, str]]:
        """(byte offset, matched text) of every match in UTF-8 `data`."""
        for match in self.regex.finditer(data):
            yield match.start(), match.group().decode("utf-8", errors="replace")


def _options(case_sensitive: bool, *, capture: bool = True) -> Any:
    options = re2.Options()
    options.case_sensitive = case_sensitive
    options.log_errors = False  # RE2 would print to stderr; the error is ours to report
    options.never_capture = not capture
    return options


def compile_rule(pattern: str, case_sensitive: bool = False) -> Rule:
    """`pattern` compiled by RE2; raises `RuleError` naming what RE2 lacks."""
    try:
        regex = re2.compile(pattern, _options(case_sensitive))
    except re2.error as exc:
        reason = exc.args[0] if exc.args else ""
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", errors="replace")
        raise RuleError(_explain(pattern, str(reason))) from None
    return Rule(pattern, case_sensitive, regex)


def any_of(rules: Sequence[Rule]) -> Any:
    """One regex that matches where any of `rules` does, or at a format character
    (`drop_format` must go first): one pass over a clean output instead of one
    per rule. Each rule keeps its own case in a ``(?i:...)`` or ``(?-i:...)``
    group, and groups capture nothing, so their names cannot clash."""
    joined = "|".join(f"(?{'-' if r.case_sensitive else ''}i:{r.pattern})" for r in rules)
    return re2.compile(f"{joined}|{_format_class()}", _options(True, capture=False))


# --- what RE2 lacks, and what to write instead -----------------------------------------

_OPERATORS = {
    "(?=": ("lookahead (?=...)", "match the text itself: srv-[0-9]+, not srv-(?=[0-9])"),
    "(?!": ("negative lookahead (?!...)", "list the names to forbid instead"),
    "(?<=": ("lookbehind (?<=...)", "put the text before into the rule, or leave it out"),
    "(?<!": ("negative lookbehind (?<!...)", "list the names to forbid instead"),
    "(?>": ("atomic group (?>...)", "write (?:...): RE2 never backtracks, so it is not needed"),
    "(?(": ("conditional group (?(...)...)", "write the alternatives with |"),
    "(?#": ("comment (?#...)", "remove it; TOML comments start with #"),
    "(?P=": ("named backreference (?P=name)", "repeat the group's pattern instead"),
    "(?P>": ("recursion (?P>name)", "write the pattern out"),
}


def _explain(pattern: str, reason: str) -> str:
    kind, _, arg = reason.partition(": ")
    feature = instead = ""
    if kind == "invalid perl operator":
        for start in sorted(_OPERATORS, key=len, reverse=True):
            if start.startswith(arg) and start in pattern:
                feature, instead = _OPERATORS[start]
                break
        else:
            if re.fullmatch(r"\(\?[a-zA-Z]+", arg):
                feature = f"flag {arg})"
                instead = "RE2 knows the flags i, m, s and U; case is a rule setting (see README)"
    elif kind == "invalid escape sequence":
        if re.fullmatch(r"\\[1-9]", arg):
            feature = f"backreference {arg}"
            instead = "repeat the group's pattern instead: RE2 cannot refer back to a group"
        elif arg == "\\Z":
            feature, instead = "end of text \\Z", "write \\z"
        elif arg in ("\\u", "\\U"):
            feature, instead = f"escape {arg}XXXX", "write \\x{XXXX} or the character itself"
        elif arg == "\\N":
            feature, instead = "named character \\N{...}", "write the character itself"
    elif kind == "bad repetition operator" and arg[-1:] == "+":
        feature = f"possessive quantifier {arg}"
        instead = f"write {arg[:-1]}: RE2 never backtracks, so it is not needed"
    elif kind == "invalid repetition size":
        feature = f"repeat count {arg}"
        instead = "RE2 counts to 1000 at most; use + or a smaller count"
    if feature:
        return f"{pattern!r} uses {feature}, which the linear-time engine RE2 lacks ({instead})"
    return f"bad regular expression {pattern!r}: {reason} (see RE2's syntax)"


# --- reading text as a reader does -------------------------------------------------------

SEPARATOR = "\n\0\n"
"""Between the forms of one text: no rule can match across it."""
_TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def reader_forms(text: str, *, markup: bool) -> list[str]:
    """`text` as written and as read, before `normalise`: the guard searches them all.

    As read: tags stripped (``srv-<b></b>42`` reads srv-42) and character
    references decoded, in that order, so a ``&lt;`` that was typed stays
    text; and, with the tags kept, percent escapes decoded (a browser
    decodes ``https://srv%2D42%2Einternal…/`` to the host it visits).
    """
    forms = [text]
    decoded = text
    if markup:
        decoded = html.unescape(text) if "&" in text else text
        stripped = _TAG.sub("", text) if "<" in text else text
        _add(forms, decoded)
        _add(forms, html.unescape(stripped) if "&" in stripped else stripped)
    if "%" in decoded:
        _add(forms, _PERCENT.sub(_unquote, decoded))
    return forms


def _add(forms: list[str], form: str) -> None:
    if all(form != known for known in forms):
        forms.append(form)


def _unquote(match: re.Match[str]) -> str:
    return unquote(match.group(0), errors="replace")


def nfkc(text: str) -> str:
    """NFKC: fullwidth ｓｒｖ－４２ is srv-42, as IDNA maps it; ligatures, superscripts
    and other compatibility forms read as the letters they show."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def drop_format(data: bytes) -> bytes:
    """UTF-8 `data` without format characters (category Cf: soft hyphen,
    zero-width space, word joiner, direction marks), which readers never see."""
    pattern = _format_characters()
    return pattern.sub(b"", data) if pattern.search(data) is not None else data


def normalise(text: str) -> str:
    """`nfkc` and `drop_format` of a text."""
    if text.isascii():
        return text  # no format character is ASCII
    return drop_format(nfkc(text).encode()).decode()


@cache
def _format_class() -> str:
    """Every format character this Python knows, as one RE2 character class."""
    ranges: list[list[int]] = []
    for code in range(0x110000):
        if unicodedata.category(chr(code)) == "Cf":
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "[" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges) + "]"


@cache
def _format_characters() -> Any:
    # RE2, since Python's `re` scans a class of astral ranges at a sixth of the speed.
    return re2.compile(_format_class(), _options(True, capture=False))


def read_lines(text: str) -> tuple[str, list[int]]:
    """`text` as read (`reader_forms`, `normalise`) line by line, each form of a
    line on a line of its own, and for each line of the result the line of
    `text` it comes from: tracing a match to a source names its line."""
    out: list[str] = []
    lines: list[int] = []
    for number, line in enumerate(text.split("\n")):
        for form in reader_forms(line, markup=True):
            pieces = normalise(form).split("\n")  # a decoded &#10; or %0A
            out += pieces
            lines += [number] * len(pieces)
    return "\n".join(out), lines
