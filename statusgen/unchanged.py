"""The memo around the whole build: nothing it reads changed, so nothing to do.

A build of 10,000 entries with nothing changed still stats every content file,
turns every cached entry back into model objects, plans every output and
compares it with the live tree: seconds, to write nothing. This is the same
pipeline's memo one level up (`keys.build_key` from every input of the build,
recorded with the output index of the tree it made): while the key is the
one the live tree was built under, and that tree is still exactly the files
the index describes (`output.tree_is`: nothing deleted, changed or added),
the build would make the same bytes and report the same warnings, so its
result is the last one. Any other case runs the pipeline as before.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from . import keys, privacy
from .build_time import parse_now
from .cache import Cache, OutputIndex
from .config import load_config
from .errors import Problem
from .manifest import MANIFEST_PATH
from .memo import Memo
from .model import SiteConfig
from .output import guard_destination, tree_is
from .stages import RACY_NS

Found = tuple[Path, int, int, tuple[Problem, ...], bytes]
"""The last build's `build.BuildResult`: folder, files, bytes, warnings and manifest."""


def build_key(index: OutputIndex, config: SiteConfig, now: datetime, drafts: bool) -> str | None:
    """This build's `keys.build_key`, or None while a source is too new to trust its stat."""
    # A source written this recently makes no key: a second save within one tick
    # of the file system's clock could leave the same stat.
    sources = keys.source_stamps(config, RACY_NS)
    if sources is None:
        return None
    return keys.build_key(
        index.cache.environment,
        config,
        sources,
        now=now.isoformat(),
        drafts=drafts,
        dest=str(index.dest),
        secrets=privacy.secret_values(config),
    )


def last_build(
    memo: Memo,
    root: Path,
    output: Path | None,
    now: str | datetime | None,
    drafts: bool,
    base_url: str | None,
    windows: object | None = None,
) -> tuple[Found | None, str | None]:
    """The result of the last build into the output folder when it had this build's
    key and the folder is still exactly what it wrote, else None; and the key to
    record (None: none, e.g. for a memo in memory, which keeps no output index, or
    for windows handed in by ``build --previous``, which no key sees)."""
    if not isinstance(memo, Cache) or windows is not None or now is None:
        # Without a pinned --now the build time is the clock's and is part of the
        # output (the manifest, "Last updated"): no two builds share a key.
        return None, None
    config = load_config(root, base_url)
    when = now if isinstance(now, datetime) else parse_now(now, config)
    dest = (output if output is not None else config.output_dir).absolute()
    index = OutputIndex(memo, dest)
    key = build_key(index, config, when, drafts)
    if key is None:
        return None, None
    facts = index.load_facts()
    result = facts.get("result")
    if facts.get("build") != key or not isinstance(result, tuple) or len(result) != 3:
        return None, key
    guard_destination(dest, root)  # a swap a killed build left half done is finished first
    live, _ = index.load()
    if not live or not tree_is(dest, live):
        return None, key
    files, size, warnings = result
    try:
        problems = tuple(Problem.from_plain(p) for p in warnings)
        data = (dest / MANIFEST_PATH).read_bytes()
    except (TypeError, ValueError, OSError):
        return None, key
    return (dest, files, size, problems, data), key


def record(index: OutputIndex, key: str, files: int, size: int, warnings: list[Problem]) -> None:
    """Keep `key` and the build's result with the live tree's index (saved with it)."""
    index.facts["build"] = key
    shown = tuple(p.plain() for p in warnings)
    index.facts["result"] = (files, size, shown)
