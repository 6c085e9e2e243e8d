"""What check says of a site's language: ``[strings]``, a missing catalogue, a
theme's catalogue with wrong or missing strings. One `Problem` per fault."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from typing import Any

from ..errors import Problem, Severity, closest
from ..model import SiteConfig
from .catalogue import (
    PACKAGE_LOCALES,
    SHIPPED,
    english,
    flatten,
    key_line,
    message_problem,
    read_toml,
)
from .strings import best_match, catalogues, plural_categories

CONFIG_NAME = "site.toml"


def strings_table(
    raw: Any, language: str, text: str, problem: Callable[[str, str, int | None], None]
) -> dict[str, Any]:
    """``[strings]`` of site.toml checked against English's keys and placeholders:
    the good entries; `problem(field, message, line)` for each bad one."""
    if not isinstance(raw, dict):
        problem("strings", "expected a table ([strings])", key_line(text, "strings"))
        return {}
    reference = english()
    categories = plural_categories(language)
    good: dict[str, Any] = {}
    for key, value in flatten(raw, reference).items():
        line = key_line(text, f"strings.{key}")
        if key not in reference:
            near = closest(key, reference)
            hint = f" (did you mean {near}?)" if near else " (see statusgen/locales/en.toml)"
            problem(f"strings.{key}", f"unknown string{hint}", line)
            continue
        fault = message_problem(key, value, reference[key], categories)
        if fault:
            problem(f"strings.{key}", fault, line)
        else:
            good[key] = value
    return good


def language_problems(config: SiteConfig) -> list[Problem]:
    """A language with no catalogue (warning: English is shown), and each wrong
    (error) or missing (warning) string of the theme's catalogue for it."""
    found = catalogues(config)
    match = best_match(config.language, found)
    problems: list[Problem] = []
    if match is None:
        try:
            line = key_line((config.root / CONFIG_NAME).read_text(encoding="utf-8"), "language")
        except (OSError, UnicodeDecodeError):
            line = None
        shipped = ", ".join(SHIPPED)
        problems.append(
            Problem(
                CONFIG_NAME,
                line,
                "language",
                f'no catalogue for "{config.language}": its pages are in English '
                f"(statusgen ships {shipped}; add themes/{config.theme}/locales/"
                f"{config.language.split('-')[0].lower()}.toml to translate them)",
                Severity.WARNING,
            )
        )
        return problems
    reference = english()
    categories = plural_categories(match)
    own = [p for p in found[match] if p.parent != PACKAGE_LOCALES]
    shipped = match in SHIPPED
    for path in own:
        rel = path.relative_to(config.root).as_posix()
        try:
            data, text = read_toml(path)
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(rel, None, "-", f"cannot read: {exc}"))
            continue
        except tomllib.TOMLDecodeError as exc:
            problems.append(Problem(rel, None, "-", f"TOML syntax: {exc}"))
            continue
        entries = flatten(data, reference)
        for key, value in entries.items():
            if key not in reference:
                near = closest(key, reference)
                hint = f" (did you mean {near}?)" if near else ""
                problems.append(Problem(rel, key_line(text, key), key, f"unknown string{hint}"))
                continue
            fault = message_problem(key, value, reference[key], categories)
            if fault:
                problems.append(Problem(rel, key_line(text, key), key, fault))
        if shipped:
            continue  # the package's catalogue has the rest
        for key, english_text in reference.items():
            if key not in entries and key not in config.strings:
                shown = english_text if isinstance(english_text, str) else english_text["other"]
                problems.append(
                    Problem(
                        rel,
                        None,
                        key,
                        f'missing string (English is shown: "{shown}")',
                        Severity.WARNING,
                    )
                )
    return problems
