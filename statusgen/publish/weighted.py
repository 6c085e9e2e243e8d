"""X's weighted length, from twitter-text-parser, importable without setuptools.

twitter-text-parser (the only maintained port of X's own counting rules:
URLs, emoji sequences, code point weights) loads its emoji table with
``pkg_resources.resource_string``. setuptools 81 removed pkg_resources and
Python 3.12+ virtual environments have no setuptools at all, so a plain
import fails there. While twitter_text imports, a stand-in offering that one
function is put in ``sys.modules`` and taken out again; the real
pkg_resources, where present, is left alone (and not imported: it is slow).
"""

from __future__ import annotations

import re
import sys
import types
from importlib import resources

import regex


def _resource_string(module: str, name: str) -> bytes:
    """pkg_resources' meaning: `name` beside the module (or inside the package)."""
    anchor = module if hasattr(sys.modules[module], "__path__") else module.rpartition(".")[0]
    return resources.files(anchor).joinpath(name).read_bytes()


def _import_parse_tweet():  # type: ignore[no-untyped-def]
    if sys.modules.get("pkg_resources") is not None:
        from twitter_text import parse_tweet

        return parse_tweet
    absent = object()
    previous = sys.modules.get("pkg_resources", absent)  # None blocks its import
    stand_in = types.ModuleType("pkg_resources")
    stand_in.resource_string = _resource_string  # type: ignore[attr-defined]
    sys.modules["pkg_resources"] = stand_in
    try:
        from twitter_text import parse_tweet
    finally:
        if previous is absent:
            del sys.modules["pkg_resources"]
        else:
            sys.modules["pkg_resources"] = previous  # type: ignore[assignment]
    return parse_tweet


parse_tweet = _import_parse_tweet()
from twitter_text import extract_urls  # noqa: E402  (loaded above, under the stand-in)
from twitter_text.extract_urls import extract_urls_with_indices  # noqa: E402

__all__ = [
    "bluesky_length",
    "extract_urls",
    "graphemes",
    "mastodon_length",
    "parse_tweet",
    "url_spans",
    "weighted_length",
]

_GRAPHEME = regex.compile(r"\X")
MASTODON_URL_CHARS = 23
"""What Mastodon counts for any link (``StatusLengthValidator::URL_PLACEHOLDER``)."""
_MASTODON_MENTION = re.compile(
    # Account::MENTION_RE (Mastodon 4.x): "@user" or "@user@domain", not after
    # "=", "/" or a word character; only the "@user" part counts.
    r"(?<![=/\w])@((?P<user>[a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\w.-]+\w+)?)",
    re.IGNORECASE,
)
_MENTION_END = re.compile(r"[@＠]|://")
"""Twitter::TwitterText end_mention_match (at signs, ``://``): then it is no mention."""
BLUESKY_MAX_BYTES = 3000
"""app.bsky.feed.post ``text``: maxLength 3000 (UTF-8 bytes) besides maxGraphemes 300."""


def weighted_length(text: str) -> int:
    """Length as X counts it: 280 at most; a link counts 23, CJK and emoji 2."""
    return int(parse_tweet(text).weightedLength)


def graphemes(text: str) -> int:
    """Extended grapheme clusters (UAX #29): a flag, a ZWJ family, a letter with
    combining marks each count 1. The stdlib has no segmentation; the `regex`
    module's ``\\X`` follows the current Unicode release."""
    return len(_GRAPHEME.findall(text))


def url_spans(text: str) -> list[tuple[int, int]]:
    """Code point spans of the links with a scheme (twitter-text's rules, which
    Mastodon's server-side Extractor is built on), in order."""
    found = extract_urls_with_indices(text, extract_urls_without_protocol=False)
    return [(int(u["indices"][0]), int(u["indices"][1])) for u in found]


def mastodon_length(text: str) -> int:
    """Length as Mastodon's StatusLengthValidator counts it: every link 23,
    a remote mention ``@user@domain`` as ``@user``, the rest in grapheme
    clusters (``mb_chars.grapheme_length``), so never more than code points."""
    spans: list[tuple[int, int, str]] = [
        (a, b, "x" * MASTODON_URL_CHARS) for a, b in url_spans(text)
    ]
    for match in _MASTODON_MENTION.finditer(text):
        if match.group(0).count("@") > 1 and not _MENTION_END.match(text, match.end()):
            spans.append((match.start(), match.end(), "@" + match.group("user")))
    kept: list[tuple[int, int, str]] = []
    for span in sorted(spans):  # Extractor.remove_overlapping_entities: first one wins
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    pieces, at = [], 0
    for start, end, replacement in kept:
        pieces += [text[at:start], replacement]
        at = end
    pieces.append(text[at:])
    return graphemes("".join(pieces))


def bluesky_length(text: str) -> int:
    """Length against Bluesky's 300: grapheme clusters; but the post's text may
    also hold 3000 UTF-8 bytes at most, so past that it counts a tenth of the
    bytes (over 300): ``bluesky_length(text) <= 300`` exactly when Bluesky takes it."""
    size = len(text.encode("utf-8"))
    count = graphemes(text)
    if size <= BLUESKY_MAX_BYTES:
        return count
    return max(count, -(-size // (BLUESKY_MAX_BYTES // 300)))
