"""YAML syntax errors explained where the mistake is, in the author's words.

libyaml reports where it gave up, which is often the line after the mistake:
a key without its ``:`` turns the line into text, and the parser only fails
at the next ``key:``. Phones and word processors also type characters that
look right and are not: typographic quotes, a no-break space after ``:``,
an en dash in the ``---`` fence. Nothing here decides whether a file is
valid (libyaml does); it only says which line to fix and names the
character to retype.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

import yaml

LOOKALIKES = {
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2018": "'",
    "\u2019": "'",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2007": " ",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\uff1a": ":",
}
"""Characters that phones and word processors type in place of the ASCII one
YAML needs, mapped to that ASCII character."""

_FENCE_RE = re.compile("[-\u2013\u2014\u2212]{2,}|[\u2013\u2014\u2212]")
_KEY_RE = re.compile(r"[ \t]*(?:-[ \t]+)?[A-Za-z_][\w-]*")


class Explained(NamedTuple):
    line: int | None
    """Line of the file (1-based), or None when no line can be named."""
    message: str


def lookalike(text: str) -> str | None:
    """Name the first lookalike character in ``text``, with what to type instead."""
    for char in text:
        ascii_char = LOOKALIKES.get(char)
        if ascii_char is not None:
            return f"{describe(char)} is not {_ascii_name(ascii_char)}: type {ascii_char!r}"
    return None


def describe(char: str) -> str:
    """``'–' (U+2013 EN DASH)``: the character as shown, its code point and name."""
    name = unicodedata.name(char, "UNNAMED CHARACTER")
    shown = char if char.isprintable() and not char.isspace() else ""
    return f"{shown!r} (U+{ord(char):04X} {name})" if shown else f"U+{ord(char):04X} {name}"


def bad_fence(line: str) -> str | None:
    """What is wrong with a line meant as ``---`` but typed otherwise: dashes
    that are not hyphens (a phone turns ``--`` into an em dash), or the wrong
    count. None for a line that is not fence-like at all."""
    text = line.strip()
    if not _FENCE_RE.fullmatch(text) or text == "---":
        return None
    other = next((c for c in text if c != "-"), None)
    if other is not None:
        return f"'{text}' uses {describe(other)}, not hyphens"
    return f"'{text}' has {len(text)} hyphens, not 3"


def explain(exc: yaml.MarkedYAMLError, front: str, offset: int) -> Explained:
    """One problem line for a libyaml error in ``front`` (the front-matter,
    whose first line is line ``offset`` of the file)."""
    lines = front.split("\n")
    problem = exc.problem or "invalid YAML"
    context = exc.context or ""
    mark = exc.problem_mark
    if "end of stream" in problem and exc.context_mark is not None:
        mark = exc.context_mark  # where the unclosed thing began, not the end of the file
    if mark is None:
        return Explained(None, f"YAML syntax error: {problem} (check the file's indentation)")
    index = int(mark.line)
    if "expected ':'" in problem and exc.context_mark is not None:
        index = int(exc.context_mark.line)  # the key that lacks its colon
    elif "mapping values" in problem or "expected <document start>" in problem:
        index = _colonless_line(lines, index)
    text = lines[index] if index < len(lines) else ""
    column = int(mark.column) if index == mark.line else len(text)
    where = index + offset
    if "alias" in problem or "alias" in context:
        return Explained(where, "YAML aliases are not allowed (quote text that starts with '*')")
    moved = index != mark.line or "expected ':'" in problem
    slip = lookalike(text)
    if slip is not None:
        what = (
            "YAML cannot read this line as 'key: value'"
            if moved
            else f"YAML syntax error: {problem}"
        )
        return Explained(where, f"{what} ({slip})")
    if moved:
        words = _KEY_RE.match(text)
        key = words.group().strip().lstrip("-").strip() if words else "key"
        return Explained(where, f"'{key}' has no ':' after it (write '{key}: value')")
    if "\t" in text[: column + 1]:
        hint = "indent with spaces, not tabs"
    elif "mapping values" in problem:
        hint = "quote a value that contains ': '"
    elif "quoted" in context:
        hint = "close the quote"
    elif "cannot start any token" in problem:
        hint = "quote a value that starts with a special character"
    else:
        hint = "check the indentation, and quote values that contain ': ' or ' #'"
    return Explained(where, f"YAML syntax error: {problem} ({hint})")


def _colonless_line(lines: list[str], index: int) -> int:
    """The line above ``index`` that should have been ``key: value``.

    A ``key value`` line without its colon is read as text that goes on until
    the next ``key:``, where libyaml fails. Walk back over comments and blank
    lines to the last line that has a key-like start but no ``: ``; with none,
    libyaml's line stands.
    """
    # YAML also breaks lines at U+0085, U+2028 and U+2029, which `lines` (split at
    # "\n", as the file is numbered) does not: its line can be past the last one.
    for back in range(min(index, len(lines)) - 1, -1, -1):
        text = lines[back]
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        has_colon = ": " in text or text.rstrip().endswith(":")
        if not has_colon and _KEY_RE.match(text):
            return back
        return index
    return index


def _ascii_name(char: str) -> str:
    return {'"': "a straight quote", "'": "an apostrophe", " ": "a space"}.get(char, f"'{char}'")
