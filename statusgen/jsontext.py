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

_HTML_SAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def dump(obj: object, *, indent: int = 2, sort_keys: bool = False) -> bytes:
    text = json.dumps(obj, ensure_ascii=False, indent=indent, sort_keys=sort_keys)
    return (text.translate(_HTML_SAFE) + "\n").encode("utf-8")
