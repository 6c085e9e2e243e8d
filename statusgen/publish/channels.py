"""The targets a site posts to, in a fixed order: X, Mastodon, Bluesky, the
webhooks in file order, e-mail (only the enabled ones).

Each `Channel` knows its offline facts (ledger name, label, whether replies
thread, its limit and counting as the service states them, the names of the
environment variables holding its secrets) without credentials or network,
which is all `check` and ``publish --dry-run`` need. `Channel.connect` makes
the real target, and only then imports its module (atproto alone takes
seconds): a target is built only when it has something due, and the target
itself authenticates on its first request.

Each target module (``targets/<kind>.py``) provides a class with
``from_config(settings, env)``, and the module-level functions
``secret_names(settings)``, ``offline_limit(settings)`` and
``weighted_length(text)`` (the contract in targets/__init__.py's users).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, ModuleType
from typing import Any

from ..errors import Problem
from ..model import Site, SiteConfig
from ..urls import absolute, entry_path
from .compose import X_LIMIT, _too_long, template_problems, with_link, x_weighted_length
from .compose import post_text_problems as compose_post_text_problems
from .targets import Target

X_CREDENTIALS = ("X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")
"""`targets.x.CREDENTIALS`, named here so that `check` does not import tweepy."""
_FORMATS = {"teams": "Teams", "slack": "Slack", "json": "JSON"}


@dataclass(frozen=True)
class Channel:
    kind: str
    """``x``, ``mastodon``, ``bluesky``, ``webhook`` or ``email``: which module sends."""
    name: str
    """The ledger's name for the target: ``x``, ``mastodon``, a webhook's ``name``."""
    label: str
    """The name in output lines: ``X``, ``Mastodon``, ``teams-it (Teams)``, ``e-mail``."""
    threads: bool
    """Replies go under the entry's first post (not Teams, not a Slack incoming webhook)."""
    settings: Any
    """The target's config table (`XConfig`, `MastodonConfig`, ...)."""
    events: tuple[str, ...] = ()
    """`EventKind` values this target is told of; empty: all."""
    templates: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    templates_field: str = "publish.templates"
    """Where `templates` are in site.toml, for problems."""
    links: str = "all"
    """``first``: replies leave the link out (X, which bills for it); ``all``."""
    language: str = ""
    """The site's language, for a target that labels its posts (Bluesky's ``langs``)."""

    @property
    def post_language(self) -> str | None:
        """The language of its posts (``language`` in its table); None: the site's."""
        return getattr(self.settings, "language", None)

    def wants(self, kind: str) -> bool:
        return not self.events or kind in self.events

    def offline_limit(self) -> int:
        if self.kind == "x":
            return X_LIMIT
        return int(self._module().offline_limit(self.settings))

    def weighted_length(self, text: str) -> int:
        if self.kind == "x":
            return x_weighted_length(text)
        return int(self._module().weighted_length(text))

    def secret_names(self) -> tuple[str, ...]:
        if self.kind == "x":
            return X_CREDENTIALS
        return tuple(self._module().secret_names(self.settings))

    def connect(self, env: Mapping[str, str]) -> Target:
        """The target, ready to send; `PermanentError` when a secret is missing. No network."""
        if self.kind == "x":
            from .targets.x import XTarget  # tweepy only when posting for real

            return XTarget.from_env(env)
        module = self._module()
        cls = {
            "mastodon": "MastodonTarget",
            "bluesky": "BlueskyTarget",
            "webhook": "WebhookTarget",
            "email": "EmailTarget",
        }[self.kind]
        # Bluesky labels each post with the site's language (its ``langs``).
        extra = {"language": self.language} if self.kind == "bluesky" else {}
        target: Target = getattr(module, cls).from_config(self.settings, env, **extra)
        return target

    def _module(self) -> ModuleType:
        return _modules()[self.kind]()


def _modules() -> dict[str, Callable[[], ModuleType]]:
    """Each target's module, imported when first asked for."""

    def mastodon() -> ModuleType:
        from .targets import mastodon

        return mastodon

    def bluesky() -> ModuleType:
        from .targets import bluesky

        return bluesky

    def webhooks() -> ModuleType:
        from .targets import webhooks

        return webhooks

    def email() -> ModuleType:
        from .targets import email

        return email

    return {"mastodon": mastodon, "bluesky": bluesky, "webhook": webhooks, "email": email}


def channels(config: SiteConfig, *, everything: bool = False) -> list[Channel]:
    """The enabled targets in their fixed order; `everything`: the disabled too
    (`check` checks a table whatever its switch says)."""
    publish = config.publish
    found: list[tuple[bool, Channel]] = [
        (publish.x.enabled, Channel("x", "x", "X", True, publish.x, links=publish.x.links)),
    ]
    mastodon = publish.mastodon
    found.append(
        (
            mastodon.enabled,
            Channel(
                "mastodon",
                "mastodon",
                "Mastodon",
                True,
                mastodon,
                mastodon.events,
                mastodon.templates,
                "publish.mastodon.templates",
            ),
        )
    )
    bluesky = publish.bluesky
    found.append(
        (
            bluesky.enabled,
            Channel(
                "bluesky",
                "bluesky",
                "Bluesky",
                True,
                bluesky,
                bluesky.events,
                bluesky.templates,
                "publish.bluesky.templates",
                language=config.language,
            ),
        )
    )
    for number, hook in enumerate(publish.webhooks, 1):
        threads = hook.format == "json" or (hook.format == "slack" and bool(hook.token_env))
        label = f"{hook.name} ({_FORMATS.get(hook.format, hook.format)})"
        where = f"publish.webhooks[{number}].templates"
        channel = Channel(
            "webhook", hook.name, label, threads, hook, hook.events, hook.templates, where
        )
        found.append((hook.enabled, channel))
    email = publish.email
    found.append(
        (
            email.enabled,
            Channel(
                "email",
                "email",
                "e-mail",
                True,
                email,
                email.events,
                email.templates,
                "publish.email.templates",
            ),
        )
    )
    return [c for on, c in found if on or everything]


def publish_problems(site: Site) -> list[Problem]:
    """What `check` finds that publish would refuse: post texts too long for X
    (whether or not it is on) or for any enabled target, or against the
    privacy rules; templates that cannot be filled in, every target's."""
    found = compose_post_text_problems(site) + post_text_problems(site)
    return found + template_problems(site.config)


def post_text_problems(site: Site) -> list[Problem]:
    """A hand-written ``post_text`` too long for an enabled target other than X
    (X's limit, and the privacy rules, are `compose.post_text_problems`')."""
    problems: list[Problem] = []
    others = [c for c in channels(site.config) if c.kind != "x"]
    if not others:
        return problems
    for entry in (*site.incidents, *site.maintenances, *site.news):
        if not entry.post_text or not entry.post:
            continue
        line = entry.source.lines.get("post_text")
        text = with_link(entry.post_text, absolute(site.config, entry_path(entry)))
        for channel in others:
            limit, length = channel.offline_limit(), channel.weighted_length(text)
            if length > limit:
                problems.append(_too_long(entry.source.path, line, length, limit, channel.label))
    return problems
