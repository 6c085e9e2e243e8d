"""Watching the site for `serve`: file system events under the watched paths,
minus editors' temp files and the output folder, as one `changed()` call each."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from watchdog.events import (
    EVENT_TYPE_CLOSED_NO_WRITE,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    EVENT_TYPE_OPENED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers.api import BaseObserver

_TEMP_SUFFIXES = (".swp", ".swx", ".swo", ".tmp", ".part", "~", "___jb_tmp___", "___jb_old___")


def is_temp_file(name: str) -> bool:
    """Editors' swap, backup and atomic-save files: never a reason to rebuild.

    Vim (``.x.swp``, ``x~``, the ``4913`` write test), Emacs (``.#x``,
    ``#x#``), JetBrains (``x___jb_tmp___``), and any hidden name, which
    the build ignores too.
    """
    return (
        name.startswith(".")
        or name.endswith(_TEMP_SUFFIXES)
        or name == "4913"
        or (len(name) > 1 and name.startswith("#") and name.endswith("#"))
    )


class Watcher(FileSystemEventHandler):
    """Turns file system events under the watched paths into one `changed()` call each.

    A folder is watched recursively. A file, or a path that does not exist
    yet (a site without themes/), is watched through its parent folder, so
    an atomic save that replaces the file is still seen; a missing folder
    that appears later is then watched too.
    """

    def __init__(self, paths: Iterable[Path], output: Path, changed: Callable[[], None]) -> None:
        self._exact: set[str] = set()
        self._trees: set[str] = set()
        self._pending: set[str] = set()
        self._output = os.path.abspath(output)
        self._changed = changed
        self._observer: BaseObserver | None = None
        self._watched: set[tuple[str, bool]] = set()
        for path in paths:
            absolute = os.path.abspath(path)
            if os.path.isdir(absolute):
                self._trees.add(absolute)
            else:
                self._exact.add(absolute)
                self._pending.add(absolute)

    def schedule(self, observer: BaseObserver) -> None:
        self._observer = observer
        for tree in sorted(self._trees):
            self._watch(tree, recursive=True)
        for path in sorted(self._exact):
            parent = os.path.dirname(path)
            if os.path.isdir(parent):
                self._watch(parent, recursive=False)

    def _watch(self, folder: str, *, recursive: bool) -> None:
        if (folder, recursive) in self._watched or self._observer is None:
            return
        self._watched.add((folder, recursive))
        with contextlib.suppress(OSError):  # gone already: its parent's watch sees it return
            self._observer.schedule(self, folder, recursive=recursive)

    def dispatch(self, event: FileSystemEvent) -> None:
        if event.event_type in (EVENT_TYPE_OPENED, EVENT_TYPE_CLOSED_NO_WRITE):
            return
        if event.is_directory and event.event_type == EVENT_TYPE_MODIFIED:
            return  # a folder's mtime moves with every temp file created in it
        paths = [event.src_path]
        if event.event_type == EVENT_TYPE_MOVED:
            paths.append(event.dest_path)  # an atomic save: the temp file's new name
        hit = False
        for raw in paths:
            path = os.fsdecode(raw)
            if not path or not self._relevant(path):
                continue
            hit = True
            appeared = event.event_type in (EVENT_TYPE_CREATED, EVENT_TYPE_MOVED)
            if appeared and path in self._pending and os.path.isdir(path):
                self._pending.discard(path)
                self._trees.add(path)
                self._watch(path, recursive=True)
        if hit:
            self._changed()

    def _relevant(self, path: str) -> bool:
        if path == self._output or path.startswith(self._output + os.sep):
            return False
        if path in self._exact:
            return True
        for tree in self._trees:
            if path.startswith(tree + os.sep):
                rel = path[len(tree) + 1 :].split(os.sep)
                return not any(is_temp_file(part) for part in rel)
        return False
