"""The theme: its folders, its Jinja environment and its static files; read, never written.

One Jinja environment per theme: its loader looks in the site's
``themes/<theme>/templates`` first and the built-in default last, so a site
overrides the built-in theme file by file (MkDocs' ``Theme.dirs``). Static
files merge the same way. Environments are cached per folder list, so
templates compile once per process however many pages are built; the
build passes its cache folder in (`load_theme`'s `bytecode`) to keep them
across processes too. A theme file linking out of its theme is refused.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.bccache import Bucket

from ..errors import ProblemsError
from ..model import SiteConfig
from ..site_files import links_out

BUILTIN_THEME = Path(__file__).resolve().parent.parent / "themes" / "default"
"""The theme shipped in the package; a site's own theme files override it."""


# --- the theme ----------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    env: Environment
    static: dict[str, bytes]
    """Output path (``static/...``) -> bytes, the site's files over the built-in ones."""


def theme_dirs(config: SiteConfig) -> tuple[Path, ...]:
    """The theme's folders, the site's own first and the built-in default last."""
    own = config.root / "themes" / config.theme
    dirs = [own] if own.is_dir() else []
    if not any(d.resolve() == BUILTIN_THEME for d in dirs):
        dirs.append(BUILTIN_THEME)
    return tuple(dirs)


@lru_cache(maxsize=16)
def environment(template_dirs: tuple[str, ...], bytecode: str | None = None) -> Environment:
    """One Environment per folder list, so templates compile once per process.

    With a `bytecode` folder (the build cache's), compiled templates are kept
    there too, so they compile once per theme change rather than once per
    process: a tenth of a second of every cached build otherwise.
    """
    return Environment(
        loader=FileSystemLoader(list(template_dirs)),
        autoescape=select_autoescape(("html", "xml"), default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        bytecode_cache=_QuietBytecodeCache(bytecode) if bytecode else None,
    )


class _QuietBytecodeCache(FileSystemBytecodeCache):
    """Jinja's own cache of compiled templates (checked against each template's
    source), where a folder that cannot be written is no error: a cache, not a
    promise."""

    def __init__(self, directory: str) -> None:
        with contextlib.suppress(OSError):
            os.makedirs(directory, exist_ok=True)
        super().__init__(directory)

    def load_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def load_theme(config: SiteConfig, bytecode: Path | None = None) -> Theme:
    """The cached Environment and the merged static files (read, never written);
    compiled templates kept in `bytecode` (the build's cache folder), if given."""
    dirs = theme_dirs(config)
    _refuse_links_out(config, dirs)
    templates = tuple(str(d / "templates") for d in dirs if (d / "templates").is_dir())
    static: dict[str, bytes] = {}
    for d in reversed(dirs):  # built-in first, so the site's files win
        folder = d / "static"
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and not any(p.startswith(".") for p in rel.parts):
                static["static/" + rel.as_posix()] = path.read_bytes()
    folder = str(bytecode) if bytecode is not None else None
    return Theme(environment(templates, folder), dict(sorted(static.items())))


def _refuse_links_out(config: SiteConfig, dirs: tuple[Path, ...]) -> None:
    """A theme file may not be a link out of its theme folder, nor into a ``.git``
    folder: it would be published (`site_files.links_out`).

    A static file linked to /proc/self/environ put the build's environment,
    credentials included, on the public site; one linked to ``.git/config``
    the CI checkout's token. Content files are held to the same rule in source/files.py.
    """
    problems = [p for theme in dirs for p in links_out(theme, config.root)]
    if problems:
        raise ProblemsError(problems)
