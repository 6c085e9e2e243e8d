"""The "Get updates" box: every way to follow the site, derived in one place.

A channel is one `Channel` in the list `channels` returns, and the footer's
box, the ``<link rel="me">`` of the page head and X's ``twitter:site`` all
read that list, so a new target (Mastodon, Bluesky: SPEC, "Channels") is one
more entry in `_social`, nothing else.

- **Feed**: one choice for RSS and Atom (Atom first: it has ids and
  update times; RSS offered beside it), with a line saying what a feed is;
- **Maintenance calendar**: a ``webcal://`` link, which phones and calendar
  apps take as "subscribe" (refreshed by the app) rather than as a file to
  import once; the ``https://`` file is offered beside it;
- **JSON API**: the Statuspage-compatible summary;
- **social accounts**: X (``[publish.x] account``), Mastodon (``[publish.mastodon]
  account``, linked ``rel="me"`` so the profile shows the site verified) and
  Bluesky (the handle of an enabled ``[publish.bluesky]``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..i18n.strings import Strings
from ..model import SiteConfig


@dataclass(frozen=True)
class Also:
    """A second link of a channel, shown after its note: "Also as <a>RSS</a>"."""

    before: str
    href: str
    text: str


@dataclass(frozen=True)
class Channel:
    key: str
    """``feed``, ``calendar``, ``api`` or the target's name (``x``)."""
    name: str
    """The link's text: "Feed", "@UniITStatus on X"."""
    href: str
    icon: str
    """Icon id in static/icons.svg."""
    note: str
    """What following it gives, in one short sentence."""
    also: tuple[Also, ...] = ()
    profile: bool = False
    """An account elsewhere: linked ``rel="me"``, so the target can verify the site."""


def channels(
    config: SiteConfig,
    link: Callable[[str], str],
    absolute: Callable[[str], str],
    t: Strings,
) -> tuple[Channel, ...]:
    """Every channel of the site, in the box's order, in `t`'s words; `link` and
    `absolute` make root-relative and absolute URLs of output paths."""
    calendar = absolute("feeds/maintenance.ics")
    return (
        Channel(
            "feed",
            t("subscribe.feed"),
            link("feeds/all.atom"),
            "rss",
            t("subscribe.feed_note"),
            (Also(t("subscribe.also_as"), link("feeds/all.rss"), "RSS"),),
        ),
        Channel(
            "calendar",
            t("subscribe.calendar"),
            webcal(calendar),
            "cal",
            t("subscribe.calendar_note"),
            (
                Also(
                    t("subscribe.calendar_or"),
                    link("feeds/maintenance.ics"),
                    t("subscribe.calendar_download"),
                ),
            ),
        ),
        Channel(
            "api",
            t("subscribe.api"),
            link("api/v2/summary.json"),
            "api",
            t("subscribe.api_note"),
        ),
        *_social(config, t),
    )


def _social(config: SiteConfig, t: Strings) -> list[Channel]:
    """The accounts of the publish targets that have one configured."""
    found = []
    if config.publish.x.account:
        account = config.publish.x.account.lstrip("@")
        found.append(
            Channel(
                "x",
                t("subscribe.x", account=account),
                f"https://x.com/{account}",
                "x",
                t("subscribe.x_note"),
                profile=True,
            )
        )
    mastodon = config.publish.mastodon
    user, _, domain = (mastodon.account or "").lstrip("@").partition("@")
    if user and domain:
        found.append(
            Channel(
                "mastodon",
                t("subscribe.mastodon", account=f"{user}@{domain}"),
                f"https://{domain}/@{user}",
                "masto",
                t("subscribe.x_note"),
                profile=True,  # rel="me": Mastodon marks the link on the profile verified
            )
        )
    bluesky = config.publish.bluesky
    if bluesky.enabled and bluesky.handle:
        handle = bluesky.handle.lstrip("@")
        found.append(
            Channel(
                "bluesky",
                t("subscribe.bluesky", account=handle),
                f"https://bsky.app/profile/{handle}",
                "bsky",
                t("subscribe.x_note"),
                profile=True,
            )
        )
    return found


def x_handle(config: SiteConfig) -> str:
    """``@account`` for ``twitter:site``, or ``""``."""
    account = (config.publish.x.account or "").lstrip("@")
    return f"@{account}" if account else ""


def webcal(url: str) -> str:
    """``https://host/x.ics`` as ``webcal://host/x.ics``: the scheme calendar apps
    subscribe to. They fetch the same address over HTTP or HTTPS (iOS asks
    HTTP first and follows the host's redirect to HTTPS)."""
    return "webcal://" + url.split("://", 1)[1]
