"""An entry's texts in the site's other languages: ``title_cy:``, ``summary_cy:``,
and ``message_cy:`` inside an update, next to ``message:``.

Per-field suffixes in the same file, not a sibling ``<id>.cy.md``: an update's
time, status and services are facts stated once, which a second file would
restate and could contradict, and the person on call updates both languages
in one edit and one commit. The suffix is the language's primary subtag,
lowercase (`languages.suffix`).

A translation follows its original's rules (one line, the `` #`` comment
rule, a summary's length); an empty one counts as not given. A text left
untranslated is a ``note:`` per language, at the original's line: the page
of that language shows the main language's text instead, marked with its
``lang``, and a note never fails ``--strict``, so an urgent update written in
one language at 2 a.m. is never held up by its translation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from yaml.nodes import Node

from ..errors import Problem, Severity, closest, printable
from ..languages import TEXT_FIELDS, split_key, suffix, unknown_suffix
from ..model import Translation
from .reader import _Reader

_Fields = dict[str, tuple[int, Node]]


def translation_key(reader: _Reader, line: int, field: str, allowed: tuple[str, ...]) -> bool:
    """Whether `field` (a key, dotted inside an update) is a translation of one of
    the `allowed` keys; reports a suffix the site does not declare, and
    ``post_text_<lang>``. False: not a translation key (the caller reports it)."""
    key = field.rsplit(".", 1)[-1]
    parts = split_key(key)
    if parts is None:
        return False
    base, tail = parts
    declared = [suffix(t) for t in reader.config.other_languages]
    texts = [k for k in TEXT_FIELDS if k in allowed]
    if base not in texts:
        # ``mesage_cy``: a misspelt text key with a declared suffix. Any other key
        # (``started_at``, ``date_cy``) is the caller's unknown key.
        match = closest(base, texts)
        if base in allowed or tail not in declared or match is None:
            return False
        reader.error(line, field, f"unknown key '{key}' (did you mean '{match}_{tail}'?)")
        return True
    if tail not in declared:
        reader.error(line, field, unknown_suffix(key, tail, reader.config))
    return True


def entry_translations(
    reader: _Reader,
    fields: _Fields,
    keys: tuple[str, ...],
    summary_problems: Callable[[str], list[str]],
) -> Mapping[str, Translation]:
    """``title_<s>`` (and ``summary_<s>`` for news, checked by `summary_problems`:
    passed in, since news.py reads updates through entries.py, which reads this
    module) of each declared language."""
    found: dict[str, Translation] = {}
    for tag in reader.config.other_languages:
        tail = suffix(tag)
        values: dict[str, str] = {}
        for base in ("title", "summary", "post_text"):
            if base not in keys:
                continue
            before = len(reader.problems)
            text = _text(reader, fields, base, tail)
            if text is not None and base == "summary":
                for message in summary_problems(text):
                    reader.error(fields[f"summary_{tail}"][0], f"summary_{tail}", message)
            if text is not None:
                values[base] = text
            elif base in fields and len(reader.problems) == before and base != "post_text":
                # Not refused. A post_text left untranslated is no note: a target in
                # that language composes its first post, as without any post_text.
                _untranslated(reader, fields[base][0], base, tag)
        if values:
            found[tail] = Translation(**values)
    return MappingProxyType(found)


def update_translations(reader: _Reader, parts: _Fields, prefix: str) -> Mapping[str, str]:
    """``message_<s>`` of one update, by suffix."""
    found: dict[str, str] = {}
    for tag in reader.config.other_languages:
        tail = suffix(tag)
        before = len(reader.problems)
        text = _text(reader, parts, "message", tail, prefix)
        if text is not None:
            found[tail] = text
        elif "message" in parts and len(reader.problems) == before:  # not refused
            _untranslated(reader, parts["message"][0], f"{prefix}.message", tag)
    return MappingProxyType(found)


def _text(reader: _Reader, fields: _Fields, base: str, tail: str, prefix: str = "") -> str | None:
    key = f"{base}_{tail}"
    if key not in fields:
        return None
    line, node = fields[key]
    field = f"{prefix}.{key}" if prefix else key
    return reader.text(node, field, line, single_line=base in ("title", "summary"))


def _untranslated(reader: _Reader, line: int, field: str, tag: str) -> None:
    key = field.rsplit(".", 1)[-1]
    message = (
        f"no {key}_{suffix(tag)} (the {tag} pages show this text instead; "
        f"add '{key}_{suffix(tag)}:' below it)"
    )
    reader.problems.append(
        Problem(reader.path, line, printable(field), printable(message), Severity.NOTICE)
    )
