"""Cutting a text to fit, at a word boundary with "…": never inside a grapheme
(an emoji, an accented letter, a flag), and between characters in CJK text,
which has no spaces. `compose` decides what to cut; this decides where."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

ELLIPSIS = "…"
_TRIM = " \t\n,;:-–—"


def shorten(text: str, fits: Callable[[str], bool], floor: int = 0) -> str:
    """The longest cut of `text` at a word boundary, with "…", that `fits`.

    Cuts keep at least `floor` characters: when none of those fits, the
    shortest of them is returned (a later stage makes room); with no floor,
    nothing fitting gives ''. Weighted length grows with the prefix, so a
    binary search over the cut points takes a few calls to twitter-text.
    """
    if len(text) <= floor:
        return text
    candidates = []
    for cut in _cut_points(text):
        head = text[:cut].rstrip(_TRIM)
        if head and cut >= floor:
            candidates.append(head + ELLIPSIS)
    if not candidates:
        return text if floor else ""
    best = candidates[0] if floor else ""
    low, high = 0, len(candidates) - 1
    while low <= high:
        middle = (low + high) // 2
        if fits(candidates[middle]):
            best = candidates[middle]
            low = middle + 1
        else:
            high = middle - 1
    return best


def _cut_points(text: str) -> list[int]:
    """Where `text` may be cut: before a space, and around CJK characters (no spaces there).

    Never inside a grapheme: not before a combining mark, a zero-width
    joiner, a variation selector or skin tone, not after a joiner, and not
    between the two halves of a flag.
    """
    points = []
    for i in range(1, len(text)):
        before, char = text[i - 1], text[i]
        if before.isspace():
            continue
        wide = _wide(before) or _wide(char)
        if char.isspace() or (wide and not _joined(before, char)):
            points.append(i)
    return points


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _joined(before: str, char: str) -> bool:
    code = ord(char)
    if unicodedata.combining(char) or char == "\u200d" or before == "\u200d":
        return True
    if 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
        return True
    return 0x1F1E6 <= ord(before) <= 0x1F1FF and 0x1F1E6 <= code <= 0x1F1FF
