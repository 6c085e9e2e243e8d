"""Find a due event's post on the target itself, before sending it again.

A post can be accepted and never recorded: X answers 503 after creating
it, the disk is full when the ledger is written, the run is killed in
between, or the ledger that recorded it never reached the live site (a
failed deploy, a stale cache). A re-send would then either post twice (a
first post is re-composed from the entry's *current* state, so its text
may differ) or be refused as a duplicate, which gives no id to thread
under. So before sending, when something is due, `publish` reads the
account's recent posts once and matches each due event:

- a first post by its link: a post that is not a reply and links the
  entry's page (X reports the link unshortened in ``entities.urls``);
  first posts always end with the entry's link;
- a first post of an entry renamed before its first post was recorded and
  deployed (so no previous build holds the old name and `renames` cannot
  tell): a post that is not a reply, links a page of this site that the
  build no longer has, and has the composed text (as below). Only an entry
  whose text is otherwise unchanged since is found so; `publish` then moves
  the old name's records, as for a rename;
- any other post by its text: the composed text and the post's, both with
  links removed, HTML entities decoded (X sends ``&amp;``) and white space
  collapsed. Replies may carry no link, and their text is composed from the
  one update they tell, so it is the same on every run unless that update
  was edited in between.

Only a target that can list its recent posts (`Reader`) is reconciled.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

_LINK = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class RecentPost:
    id: str
    text: str
    links: tuple[str, ...]
    """The links in the post, unshortened."""
    reply: bool
    """The post replies to another."""
    created_at: float | None = None
    """Unix time X made it, when X said."""


class Reader(Protocol):
    def recent(self, since: float) -> Sequence[RecentPost]:
        """The account's own posts since Unix time `since`, newest first."""
        ...


def comparable(text: str) -> str:
    return " ".join(_LINK.sub(" ", html.unescape(text)).split())


Gone = Callable[[str], str | None]
"""A link's entry ref when it is a page of this site the build no longer has."""


def gone_pages(base_url: str, refs: Collection[str]) -> Gone:
    def gone(link: str) -> str | None:
        if not link.startswith(base_url):
            return None
        ref = link.removeprefix(base_url).strip("/")
        return ref if ref.count("/") == 1 and ref not in refs else None

    return gone


def find(
    recent: Iterable[RecentPost],
    *,
    text: str,
    link: str,
    first: bool,
    gone: Gone = lambda link: None,
) -> RecentPost | None:
    """The post that already tells this event; None when there is none."""
    posts = list(recent)
    wanted = comparable(text)
    if first:
        roots = [p for p in posts if not p.reply and _links_to(p, link)]
        if not roots:  # under a name the build no longer has (module docstring)
            roots = [
                p
                for p in posts
                if not p.reply and comparable(p.text) == wanted and old_ref(p, gone)
            ]
        return roots[-1] if roots else None  # newest first: the last is the oldest
    same = [p for p in posts if comparable(p.text) == wanted]
    return same[-1] if same else None


def old_ref(post: RecentPost, gone: Gone) -> str | None:
    """The gone entry `post` links to, if any."""
    return next((ref for ref in map(gone, post.links) if ref), None)


def _links_to(post: RecentPost, link: str) -> bool:
    target = link.rstrip("/")
    return any(found.rstrip("/") == target for found in post.links)
