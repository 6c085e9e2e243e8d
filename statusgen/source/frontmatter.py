"""Front-matter: split a file at its ``---`` lines, compose the YAML safely.

Why the YAML is read the way it is:

* We compose the front-matter into nodes (libyaml's C parser when available)
  and convert the nodes ourselves instead of letting PyYAML construct Python
  objects. Nodes carry start marks, so every key gets its line; duplicate
  keys, which PyYAML silently merges, are caught; and we see the text the
  user typed, so ``no``, ``1.10`` or ``on`` in a text field is reported with
  a "quote it" hint instead of silently becoming ``False`` or ``1.1``.
* The implicit timestamp resolver is removed, so ``2026-11-22 08:40`` stays a
  string and `parse_time` applies the site's time zone (PyYAML would convert
  values with offsets to naive UTC and lose the zone).
* Aliases are refused outright (no "billion laughs"), and nesting is bounded
  before libyaml composes: its recursive composer kills the process at
  around 100,000 levels, and its scanner slows down quadratically well
  before that.
* python-frontmatter is not used for splitting: it does not tell where the
  YAML starts, re-decodes the file, and hands back constructed objects, so
  we would still need our own line offsets and nodes. Splitting on the
  ``---`` lines is a few lines here.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .reader import _NULL, _Reader
from .yaml_errors import bad_fence, explain

MAX_DEPTH = 100
"""Deepest YAML nesting accepted. Entries need 3 levels; the limit only keeps
the YAML libraries safe, and sits below all of their own: libyaml 0.2.5's
recursive composer kills the process around 100,000 levels, libyaml 0.2.6
(PyYAML 6.0.4's wheels) refuses 1,000, and PyYAML's pure-Python composer
exceeds Python's recursion limit near 500. Whichever of these fires, the
author reads the same line."""

_DROPPED_RESOLVERS = ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value")

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The safe loader minus the timestamp (and ``=``) resolvers.

    Only used to compose nodes; values are converted by `_Reader`, which sees
    the resolved tag (to name YAML's typing traps) and the raw text.
    """

    yaml_implicit_resolvers = {  # noqa: RUF012 - read-only class table, as in PyYAML
        first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED_RESOLVERS]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


# --- patterns -----------------------------------------------------------------------

_OPEN_RE = re.compile(r"---[ \t]*(?:\n|\Z)")
_CLOSE_RE = re.compile(r"^---[ \t]*$", re.MULTILINE)


def _split(reader: _Reader, data: bytes) -> tuple[str, str, int] | None:
    """Decode and split a file: (front-matter, body, first line of the body)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        reader.error(
            line,
            "-",
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} on this line; "
            "save the file as UTF-8)",
        )
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        reader.error(
            None, "-", "the file is empty (start it with a '---' line and the front-matter)"
        )
        return None
    opening = _OPEN_RE.match(text)
    if opening is None:
        slip = bad_fence(text.split("\n", 1)[0])
        if slip is not None:
            reader.error(
                1, "-", f"no front-matter: the first line {slip} (type three hyphens: ---)"
            )
        else:
            reader.error(1, "-", "no front-matter (the first line must be '---')")
        return None
    closing = _CLOSE_RE.search(text, opening.end())
    if closing is None:
        lines = text.split("\n")
        for number, line in enumerate(lines[1:], 2):
            slip = bad_fence(line)
            if slip is not None:
                reader.error(
                    number,
                    "-",
                    f"the front-matter is never closed: this line {slip} (type three hyphens: ---)",
                )
                return None
        reader.error(1, "-", "the front-matter is never closed (add a '---' line after it)")
        return None
    front = text[opening.end() : closing.start()]
    close_line = text.count("\n", 0, closing.start()) + 1
    lines = text[closing.end() + 1 :].split("\n")
    first, last = 0, len(lines)
    while first < last and not lines[first].strip():
        first += 1
    while last > first and not lines[last - 1].strip():
        last -= 1
    if first == last:  # no body: point just after the front-matter
        first = 0
    return front, "\n".join(lines[first:last]), close_line + 1 + first


def _compose(reader: _Reader, front: str) -> Node | None:
    """Compose the front-matter once; refuse aliases and absurd nesting."""
    too_deep = f"the front-matter nests deeper than {MAX_DEPTH} levels (entries need 3)"
    try:
        if _depth_bound(front) > MAX_DEPTH and _too_deep(front):
            reader.error(None, "-", too_deep)
            return None
        root = yaml.compose(front, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        if "depth" in (exc.problem or ""):  # a library's own nesting limit fired first
            reader.error(None, "-", too_deep)
        else:
            line, message = explain(exc, front, reader.offset)
            reader.error(line, "-", message)
        return None
    except RecursionError:  # PyYAML's pure-Python composer, without libyaml
        reader.error(None, "-", too_deep)
        return None
    except yaml.reader.ReaderError as exc:
        line = front.count("\n", 0, exc.position) + reader.offset
        reader.error(line, "-", f"contains the control character U+{exc.character:04X} (delete it)")
        return None
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml's errors are the two above
        reader.error(None, "-", f"YAML syntax error: {str(exc).splitlines()[0]}")
        return None
    if root is None:
        return ScalarNode(_NULL, "")
    if "&" in front and _shares_nodes(root):
        reader.error(
            _alias_line(reader, front), "-", "YAML aliases are not allowed (write the value out)"
        )
        return None
    return root


def _depth_bound(front: str) -> int:
    """An upper bound on nesting, from counts alone: each level needs a new
    line, a ``-``, a ``?`` or a bracket. Cheap, so most files skip the scan."""
    return (
        front.count("\n")
        + front.count("-")
        + front.count("?")
        + front.count("[")
        + front.count("{")
        + 1
    )


def _too_deep(front: str) -> bool:
    """Scan parser events (libyaml's parser is iterative) and stop at the limit."""
    depth = 0
    for event in yaml.parse(front, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return False


def _shares_nodes(root: Node) -> bool:
    """True when a node is reachable twice: the composer's trace of an alias."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return False


def _alias_line(reader: _Reader, front: str) -> int | None:
    """Line of the first alias; only called once an alias is known to exist."""
    for event in yaml.parse(front, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            return int(event.start_mark.line) + reader.offset
    return None  # pragma: no cover
