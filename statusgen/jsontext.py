"""JSON as every public file of ours writes it: UTF-8, deterministic, HTML-safe.

Every JSON file lands on the public site (the API, the manifest, the
ledger). Outside strings JSON never contains ``<``, ``>`` or ``&``, so
escaping them in the serialised text only touches string contents, where
``\\u003c`` means the same character to every parser; a hostile title then
cannot close a ``<script>`` that embeds the file. U+2028/2029 are escaped
for the old JavaScript parsers that treat them as line ends.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring as _encode_string  # type: ignore[attr-defined]

_HTML_SAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def dump(obj: object, *, indent: int = 2, sort_keys: bool = False) -> bytes:
    text = json.dumps(obj, ensure_ascii=False, indent=indent, sort_keys=sort_keys)
    return (text.translate(_HTML_SAFE) + "\n").encode("utf-8")


def string(value: str) -> str:
    """One JSON string, HTML-safe, as `dump` writes it."""
    return _encode_string(value).translate(_HTML_SAFE)


def indented(value: object, level: int = 0) -> str:
    """`value` as `dump(value, indent=1, sort_keys=True)` writes it (without the
    final line break), placed `level` levels deep: every line but the first
    starts `level` spaces further right, so that fragments made apart join into
    one file byte for byte. For plain data only (text, whole numbers, flags,
    None, lists, tuples, maps with text keys).

    ``json.dumps`` with ``indent`` falls back to its pure-Python encoder; this
    writes the strings at C speed, which is most of a manifest's cost.
    """
    return _indented(value, level).translate(_HTML_SAFE)


def _indented(value: object, level: int) -> str:
    if isinstance(value, str):
        return _encode_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    inner = "\n" + " " * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{_encode_string(k)}: {_indented(value[k], level + 1)}" for k in sorted(value)]
        return "{" + inner + ("," + inner).join(items) + "\n" + " " * level + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        items = [_indented(item, level + 1) for item in value]
        return "[" + inner + ("," + inner).join(items) + "\n" + " " * level + "]"
    raise TypeError(f"not plain JSON data: {type(value).__name__}")
