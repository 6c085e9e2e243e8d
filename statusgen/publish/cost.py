"""What posting costs on X, and the daily cap that bounds it.

X's API is pay-per-use since February 2026, billed per request: a post
with a URL in it ("Content: Create (with URL)") costs over thirteen times
one without ("Content: Create"). The list prices below are X's own
(docs.x.com/x-api/getting-started/pricing), as checked on `PRICES_CHECKED`;
a site whose account is billed otherwise sets ``[publish.x] price_post``
and ``price_link_post``. They only feed ``publish --dry-run``'s estimate:
what X bills is X's to say.

Whether a post has a URL is decided as X decides it, by twitter-text's URL
extraction, so a bare ``example.com`` in a message counts as a URL too.

``[publish.x] max_posts_per_day`` is a hard stop: the posts the ledger
recorded for the target in the 24 hours before now, plus this run's, never
exceed it. A post the ledger records is counted once, however many events it
told (a first post of a resolved incident tells its resolution too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..model import XConfig
from .ledger import Ledger, PostRecord
from .weighted import extract_urls

PRICE_POST = XConfig.price_post
"""X's list price of a post without a URL, in US dollars."""
PRICE_LINK_POST = XConfig.price_link_post
"""X's list price of a post with a URL, in US dollars."""
PRICES_CHECKED = "2026-12-01"
"""When `PRICE_POST` and `PRICE_LINK_POST` were last checked against X's pricing page."""
DAY = timedelta(hours=24)


def has_url(text: str) -> bool:
    """The text holds a URL as X sees one (billed as a post with a URL)."""
    return bool(extract_urls(text))


def price(text: str, x: XConfig) -> float:
    """What X bills for posting `text`, in US dollars, at the site's unit prices."""
    return x.price_link_post if has_url(text) else x.price_post


@dataclass(frozen=True)
class Estimate:
    with_url: int = 0
    without_url: int = 0
    total: float = 0.0

    def add(self, text: str, x: XConfig) -> Estimate:
        linked = has_url(text)
        return Estimate(
            self.with_url + linked, self.without_url + (not linked), self.total + price(text, x)
        )

    def line(self, x: XConfig) -> str:
        """The dry run's total, and where its prices come from."""
        listed = (x.price_post, x.price_link_post) == (PRICE_POST, PRICE_LINK_POST)
        source = f"X's list prices, checked {PRICES_CHECKED}" if listed else "site.toml's prices"
        return (
            f"estimated cost: {dollars(self.total)} for {_posts(self.with_url + self.without_url)}"
            f" ({self.with_url} with a link at {dollars(x.price_link_post)}, {self.without_url} "
            f"without at {dollars(x.price_post)}: {source})"
        )


def dollars(amount: float) -> str:
    return f"${amount:.3f}"


def posted_in_last_day(ledger: Ledger, target: str, now: datetime) -> list[datetime]:
    """When each post the ledger recorded for `target` in the 24 hours to `now` was made."""
    since = now - DAY
    seen: dict[object, datetime] = {}
    for post in ledger.posts:
        when = _when(post)
        if post.target != target or when is None or not since < when <= now:
            continue
        # One post told several events (`Ledger.record`'s `also`): the same id and time.
        seen.setdefault(post.post_id or (post.entry, post.posted_at), when)
    return sorted(seen.values())


def allowance(ledger: Ledger, target: str, now: datetime, x: XConfig) -> int:
    """How many more posts the daily cap lets out now."""
    return max(x.max_posts_per_day - len(posted_in_last_day(ledger, target, now)), 0)


def held_line(
    held: int, ledger: Ledger, target: str, now: datetime, x: XConfig, this_run: int
) -> str:
    """The one line for posts the cap holds back: why, and when the next may go
    (`this_run`: the posts let out now, which count from now)."""
    made = posted_in_last_day(ledger, target, now) + [now] * this_run
    # A post is let out again when the oldest of the last `max_posts_per_day` turns a day old.
    oldest = made[-x.max_posts_per_day] if len(made) >= x.max_posts_per_day else now
    return (
        f"{_posts(held)} held: [publish.x] max_posts_per_day ({x.max_posts_per_day}) reached "
        f"({_posts(len(made))} in the last 24 h); they stay pending, the next can go after "
        f"{(oldest + DAY).isoformat(timespec='seconds')}"
    )


def _when(post: PostRecord) -> datetime | None:
    try:
        moment = datetime.fromisoformat(post.posted_at)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _posts(count: int) -> str:
    return f"{count} post" if count == 1 else f"{count} posts"
