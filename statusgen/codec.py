"""Frozen model objects as plain data, and back, read off their type hints.

The build keeps parsed entries between builds (``.statusgen-cache/``) and
forked workers send them back, both as plain data (tuples of text, numbers,
flags and None) that `marshal` writes and reads without running code. What
that data holds is not written down a second time here: `dump` and `load`
walk `dataclasses.fields` and the type hints of the classes themselves, so a
field added to `model.py` is kept with no change here, and the layout cannot
drift from the model.

The layout of each type is worked out once (`_codec`), as a pair of
functions, so that a warm build pays a function call per field and nothing
for looking at types:

* a dataclass is the tuple of its fields, in order, and is made again by
  its constructor;
* an enum is its value; a time (always a UTC instant in the model) is whole
  microseconds since the epoch, exact;
* ``X | None`` is None or X; a union of several types is (which, value),
  since two enums may share a value;
* ``tuple[X, ...]``, ``tuple[X, Y]`` and ``list[X]`` are tuples;
  ``Mapping[str, X]`` is (keys, values), the keys interned: marshal then
  writes each key once per file, and reading makes far fewer objects.

Anything else (a time with another zone, a type with no rule) raises
`NotPlain`: the caller keeps nothing rather than something it cannot read
back. `load` of data of another shape raises `TypeError`, `ValueError`,
`KeyError` or `IndexError`, all caught as `Malformed` by `load_or_none`.

This module imports nothing of statusgen.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import sys
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

T = TypeVar("T")

Malformed = (TypeError, ValueError, KeyError, IndexError, AttributeError)
"""What `load` raises for data of another shape."""


class NotPlain(Exception):
    """A value this codec cannot keep exactly."""


def dump(kind: Any, value: Any) -> Any:
    """`value`, of type `kind` (a class or a type expression), as plain data."""
    return _codec(kind)[0](value)


def load(kind: Any, plain: Any) -> Any:
    """The inverse of `dump`; raises one of `Malformed` for data of another shape."""
    return _codec(kind)[1](plain)


def load_or_none(kind: Any, plain: Any) -> Any:
    """`load`, or None for data of another shape (a cache miss, never an error)."""
    try:
        return _codec(kind)[1](plain)
    except Malformed:
        return None


# --- layouts, once per type -----------------------------------------------------------

_Pair = tuple[Callable[[Any], Any], Callable[[Any], Any]]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _same(value: Any) -> Any:
    return value


@functools.cache
def _codec(kind: Any) -> _Pair:
    """(dump, load) for `kind`."""
    if kind in (str, int, bool, float, type(None)):
        return _same, _same
    if kind is datetime:
        return _time_out, _time_in
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        members = {member.value: member for member in kind}
        return _enum_out, members.__getitem__
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _dataclass(kind)
    origin = typing.get_origin(kind)
    arguments = typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        return _union(arguments)
    if origin is tuple and len(arguments) == 2 and arguments[1] is Ellipsis:
        return _sequence(_codec(arguments[0]), tuple)
    if origin is tuple:
        return _fixed(tuple(_codec(a) for a in arguments))
    if origin is list:
        return _sequence(_codec(arguments[0]), list)
    if origin is Mapping and arguments[0] is str:
        return _mapping(_codec(arguments[1]))
    raise NotPlain(f"no plain form for {kind!r}")


def _time_out(moment: datetime) -> int:
    if moment.tzinfo is not UTC:
        raise NotPlain("a time that is not a UTC instant")
    return (moment - _EPOCH) // _MICROSECOND


def _time_in(micros: int) -> datetime:
    if type(micros) is not int:
        raise TypeError("a time is whole microseconds")
    return _EPOCH + timedelta(microseconds=micros)


def _enum_out(member: enum.Enum) -> Any:
    return member.value


def _dataclass(kind: type) -> _Pair:
    """A dataclass as the tuple of its fields, by a pair of functions written for
    its fields (as one would by hand: one unpacking, one constructor call, a
    field of text or numbers passed as it is), since a warm build makes some
    hundred thousand such objects."""
    fields = dataclasses.fields(kind)
    if not all(f.init for f in fields):
        raise NotPlain(f"{kind.__name__} has fields its constructor does not take")
    hints = typing.get_type_hints(kind, vars(sys.modules[kind.__module__]))
    scope: dict[str, Any] = {"kind": kind, "NotPlain": NotPlain}
    outs: list[str] = []
    ins: list[str] = []
    for number, f in enumerate(fields):
        out, in_ = _codec(hints[f.name])
        scope[f"o{number}"], scope[f"i{number}"] = out, in_
        outs.append(f"v.{f.name}" if out is _same else f"o{number}(v.{f.name})")
        ins.append(f"p{number}" if in_ is _same else f"i{number}(p{number})")
    names = "".join(f"p{number}, " for number in range(len(fields)))
    source = (
        "def out(v):\n"
        "    if type(v) is not kind:\n"
        "        raise NotPlain(f'expected {kind.__name__}, got {type(v).__name__}')\n"
        f"    return ({''.join(o + ', ' for o in outs)})\n"
        "def in_(p):\n"
        "    if type(p) is not tuple:\n"
        "        raise TypeError(f'not a {kind.__name__}')\n"
        f"    ({names}) = p\n"
        f"    return kind({', '.join(ins)})\n"
    )
    exec(compile(source, f"<codec of {kind.__qualname__}>", "exec"), scope)
    return scope["out"], scope["in_"]


def _union(arguments: tuple[Any, ...]) -> _Pair:
    options = [a for a in arguments if a is not type(None)]
    optional = len(options) < len(arguments)
    if len(options) == 1:
        out_one, in_one = _codec(options[0])
        if not optional:
            return out_one, in_one

        def out_optional(value: Any) -> Any:
            return None if value is None else out_one(value)

        def in_optional(plain: Any) -> Any:
            return None if plain is None else in_one(plain)

        return out_optional, in_optional
    pairs = [_codec(option) for option in options]
    classes = [typing.get_origin(option) or option for option in options]

    def out(value: Any) -> Any:
        if value is None and optional:
            return None
        for number, cls in enumerate(classes):
            if isinstance(value, cls):
                return (number, pairs[number][0](value))
        raise NotPlain(f"{type(value).__name__} is none of {options!r}")

    def in_(plain: Any) -> Any:
        if plain is None and optional:
            return None
        number, inner = plain
        return pairs[number][1](inner)

    return out, in_


def _sequence(item: _Pair, made: type) -> _Pair:
    item_out, item_in = item
    if item_out is _same and item_in is _same:
        return tuple, made
    return (lambda value: tuple([item_out(v) for v in value])), (
        lambda plain: made([item_in(p) for p in plain])
    )


def _fixed(items: tuple[_Pair, ...]) -> _Pair:
    def out(value: Any) -> tuple[Any, ...]:
        return tuple([o(v) for (o, _), v in zip(items, value, strict=True)])

    def in_(plain: Any) -> tuple[Any, ...]:
        return tuple([i(p) for (_, i), p in zip(items, plain, strict=True)])

    return out, in_


def _mapping(value: _Pair) -> _Pair:
    value_out, value_in = value

    def out(mapping: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        keys = tuple([sys.intern(k) for k in mapping])
        return keys, tuple([value_out(v) for v in mapping.values()])

    def in_(plain: Any) -> Mapping[str, Any]:
        keys, values = plain
        return types.MappingProxyType(dict(zip(keys, [value_in(v) for v in values], strict=True)))

    return out, in_
