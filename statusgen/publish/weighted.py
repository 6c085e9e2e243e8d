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

import sys
import types
from importlib import resources


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

__all__ = ["extract_urls", "parse_tweet", "weighted_length"]


def weighted_length(text: str) -> int:
    """Length as X counts it: 280 at most; a link counts 23, CJK and emoji 2."""
    return int(parse_tweet(text).weightedLength)
