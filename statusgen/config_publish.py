"""``[publish]`` of site.toml -> `PublishConfig`: the run's limits, the templates
and every target (X, Mastodon, Bluesky, webhooks, e-mail), checked line by line.

Secrets are never in site.toml: a target names the environment variables that
hold them (``url_env``, ``secret_env``, ``token_env``) or reads fixed ones
(``MASTODON_ACCESS_TOKEN``, ``BLUESKY_APP_PASSWORD``, ``SMTP_USERNAME`` and
``SMTP_PASSWORD``). A value given where a name belongs (a webhook URL pasted
into ``url_env``) is a problem that does not repeat the value: the problem
lines end up in CI logs and Code Quality reports.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from email.utils import parseaddr
from types import MappingProxyType
from typing import Any

from .config_keys import Key, KeyLines, suggest
from .model import (
    BlueskyConfig,
    EmailConfig,
    MastodonConfig,
    PublishConfig,
    WebhookConfig,
    XConfig,
)
from .urls import LOCAL_HOSTS, secure_or_local

TEMPLATE_EVENTS = (
    "opened",
    "updated",
    "resolved",
    "scheduled",
    "maintenance_update",
    "maintenance_started",
    "maintenance_ended",
    "maintenance_moved",
    "news",
)
"""The `EventKind` values: template keys and ``events`` filter values."""
LINK_POLICIES = ("first", "all")
VISIBILITIES = ("public", "unlisted")
WEBHOOK_FORMATS = ("teams", "slack", "json")
SECURITIES = ("starttls", "tls", "none")
"""Where plain http and SMTP without TLS are allowed: a test relay on this machine."""
RESERVED_NAMES = ("x", "mastodon", "bluesky", "email")
"""Ledger names of the other targets: a webhook may not take one."""
WEBHOOK_NAME = re.compile(r"[a-z0-9-]+")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HANDLE = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_MASTODON_ACCOUNT = re.compile(r"[A-Za-z0-9_]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")

_TARGET_KEYS = {
    "events": Key(list, 'Events this target is told of (default: all), e.g. ["opened"].'),
    "templates": Key(dict, "This target's post templates by event, over [publish.templates]."),
    "language": Key(
        str, 'The language of its posts: language or one of other_languages, e.g. "cy".'
    ),
}

SCHEMA: dict[str, dict[str, Key]] = {
    "publish": {
        "x": Key(dict, "Posting to X."),
        "mastodon": Key(dict, "Posting to a Mastodon account."),
        "bluesky": Key(dict, "Posting to a Bluesky account."),
        "webhooks": Key(list, "Teams, Slack and JSON webhooks, one [[publish.webhooks]] each."),
        "email": Key(dict, "Mailing a list."),
        "max_posts": Key(int, "Posts per run and target at most (default 10); the rest wait."),
        "timeout": Key((int, float), "Seconds a run may spend retrying (default 60)."),
        "max_age": Key((int, float), "Hours after which an event is never posted (default 6)."),
        "templates": Key(dict, "Post templates by event, overriding the built-in ones."),
    },
    "publish.x": {
        "enabled": Key(bool, "Post to X on publish (default false)."),
        "account": Key(str, "X handle without @, for the subscribe link."),
        "links": Key(str, 'Posts that carry the entry\'s link: "first" (default) or "all".'),
        "price_post": Key(
            (int, float), "US dollars per post without a URL, for --dry-run (default 0.015)."
        ),
        "price_link_post": Key(
            (int, float), "US dollars per post with a URL, for --dry-run (default 0.200)."
        ),
        "max_posts_per_day": Key(int, "Posts in any 24 hours at most (default 50); a hard stop."),
    },
    "publish.mastodon": {
        "enabled": Key(bool, "Post to Mastodon on publish (default false)."),
        "instance": Key(str, "The instance's https address.", example='"https://mastodon.social"'),
        "visibility": Key(str, '"public" (default) or "unlisted".'),
        "account": Key(str, "The account, user@instance, for the subscribe link."),
        **_TARGET_KEYS,
    },
    "publish.bluesky": {
        "enabled": Key(bool, "Post to Bluesky on publish (default false)."),
        "handle": Key(str, "The account's handle.", example='"itstatus.example.ac.uk"'),
        "service": Key(str, "The account's PDS (default https://bsky.social)."),
        **_TARGET_KEYS,
    },
    "publish.webhooks": {
        "enabled": Key(bool, "Send to this webhook on publish (default true)."),
        "name": Key(str, "Its name in the ledger and output, [a-z0-9-]+.", example='"teams-it"'),
        "format": Key(str, '"teams", "slack" or "json".', example='"teams"'),
        "url_env": Key(str, "The environment variable holding the URL (a secret)."),
        "secret_env": Key(str, "json: the variable holding the HMAC-SHA256 signing key."),
        "token_env": Key(str, "slack: the variable holding a bot token (threads)."),
        "channel": Key(str, "slack with a bot token: the channel id."),
        **_TARGET_KEYS,
    },
    "publish.email": {
        "enabled": Key(bool, "Mail on publish (default false)."),
        "to": Key(list, "Addresses to mail.", example='["it-status@lists.example.ac.uk"]'),
        "from": Key(str, "The sender.", example='"IT status <status@example.ac.uk>"'),
        "host": Key(str, "The SMTP relay.", example='"smtp.example.ac.uk"'),
        "port": Key(int, "The relay's port (default 587)."),
        "security": Key(str, '"starttls" (default), "tls", or "none" (127.0.0.1 only).'),
        **_TARGET_KEYS,
    },
}
"""``[publish]`` and its tables, merged into `config`'s schema."""

Report = Callable[[str, str, int | None], None]
CheckTable = Callable[..., dict[str, Any]]


class _Table:
    """One target's table: its field prefix and key lines, and the problem reporter."""

    def __init__(
        self,
        table: str,
        field: str,
        lines: KeyLines,
        problem: Report,
        nth: int = 0,
        languages: tuple[str, ...] = (),
    ) -> None:
        self.table, self.field, self.lines, self.problem, self.nth = (
            table,
            field,
            lines,
            problem,
            nth,
        )
        self.languages = languages
        """The site's languages, the main one first: what ``language`` may say."""

    def line(self, key: str) -> int | None:
        return self.lines.find(key, self.table, self.nth) or self.lines.table(self.table, self.nth)

    def bad(self, key: str, message: str) -> None:
        self.problem(f"{self.field}.{key}", message, self.line(key))


def parse_publish(
    raw: dict[str, Any],
    lines: KeyLines,
    problem: Report,
    check_table: CheckTable,
    languages: tuple[str, ...] = ("en-GB",),
) -> PublishConfig:
    """``[publish]``, already checked for unknown keys and types by `check_table`;
    `languages` are the site's (the main one first), for a target's ``language``."""
    x = XConfig()
    if "x" in raw:
        x = _x_config(check_table("publish.x", raw["x"]), lines, problem)
    templates = _templates(
        raw.get("templates", {}), _Table("publish.templates", "publish.templates", lines, problem)
    )
    max_posts = raw.get("max_posts", 10)
    if max_posts < 1:
        where = lines.find("max_posts", "publish")
        problem("publish.max_posts", f"{max_posts} is too small (at least 1)", where)
    timeout = float(raw.get("timeout", 60.0))
    if timeout <= 0:
        where = lines.find("timeout", "publish")
        problem("publish.timeout", f"{timeout:g} must be positive (seconds)", where)
    max_age = float(raw.get("max_age", 6.0))
    if not 0 < max_age < float("inf"):
        where = lines.find("max_age", "publish")
        problem("publish.max_age", f"{max_age:g} must be a positive number of hours", where)
    mastodon = MastodonConfig()
    if "mastodon" in raw:
        table = _Table("publish.mastodon", "publish.mastodon", lines, problem, languages=languages)
        mastodon = _mastodon(check_table("publish.mastodon", raw["mastodon"]), table)
    bluesky = BlueskyConfig()
    if "bluesky" in raw:
        table = _Table("publish.bluesky", "publish.bluesky", lines, problem, languages=languages)
        bluesky = _bluesky(check_table("publish.bluesky", raw["bluesky"]), table)
    webhooks = _webhooks(raw.get("webhooks", []), lines, problem, check_table, languages)
    email = EmailConfig()
    if "email" in raw:
        table = _Table("publish.email", "publish.email", lines, problem, languages=languages)
        email = _email(check_table("publish.email", raw["email"]), table)
    return PublishConfig(
        x=x,
        mastodon=mastodon,
        bluesky=bluesky,
        webhooks=webhooks,
        email=email,
        max_posts=max_posts,
        timeout=timeout,
        max_age=max_age,
        templates=templates,
    )


def _x_config(raw: dict[str, Any], lines: KeyLines, problem: Report) -> XConfig:
    """``[publish.x]`` past its types: the handle, the link rule, prices, the daily cap."""
    default = XConfig()
    account = raw.get("account")
    if account is not None:
        account = account.removeprefix("@")
        if not re.fullmatch(r"[A-Za-z0-9_]{1,15}", account):
            problem(
                "publish.x.account",
                f"{account!r} is not an X handle (1-15 letters, digits or _)",
                lines.find("account", "publish.x"),
            )
    links = raw.get("links", default.links)
    if links not in LINK_POLICIES:
        problem(
            "publish.x.links",
            f'{links!r} is not "first" or "all"',
            lines.find("links", "publish.x"),
        )
    prices = {}
    for key in ("price_post", "price_link_post"):
        prices[key] = float(raw.get(key, getattr(default, key)))
        if not 0 <= prices[key] < float("inf"):
            where = lines.find(key, "publish.x")
            problem(f"publish.x.{key}", f"{prices[key]:g} must be US dollars, 0 or more", where)
    per_day = raw.get("max_posts_per_day", default.max_posts_per_day)
    if per_day < 1:
        where = lines.find("max_posts_per_day", "publish.x")
        message = f"{per_day} is too small (at least 1; enabled = false posts nothing)"
        problem("publish.x.max_posts_per_day", message, where)
    return XConfig(
        enabled=raw.get("enabled", False),
        account=account,
        links=links,
        max_posts_per_day=per_day,
        **prices,
    )


def _templates(raw: Any, table: _Table) -> Mapping[str, str]:
    """Templates by event name; an unknown event or a value that is not text is a problem."""
    templates: dict[str, str] = {}
    if not isinstance(raw, dict):
        table.problem(table.field, "expected a table", table.lines.table(table.table, table.nth))
        return MappingProxyType(templates)
    for event, template in raw.items():
        # ``templates = {...}`` on one line: that line.
        where = table.lines.find(event, table.table, table.nth) or table.lines.find(
            "templates", table.table.removesuffix(".templates"), table.nth
        )
        field = f"{table.field}.{event}"
        if event not in TEMPLATE_EVENTS:
            table.problem(field, f"unknown event{suggest(event, TEMPLATE_EVENTS)}", where)
        elif not isinstance(template, str):
            table.problem(field, "expected text", where)
        else:
            templates[event] = template
    return MappingProxyType(templates)


def _events(raw: dict[str, Any], table: _Table) -> tuple[str, ...]:
    events: list[str] = []
    for value in raw.get("events", []):
        if not isinstance(value, str):
            table.bad(
                "events", f"expected event names in quotes (known: {', '.join(TEMPLATE_EVENTS)})"
            )
        elif value not in TEMPLATE_EVENTS:
            hint = suggest(value, TEMPLATE_EVENTS) or f" (known: {', '.join(TEMPLATE_EVENTS)})"
            table.bad("events", f"unknown event {value!r}{hint}")
        elif value not in events:
            events.append(value)
    if "events" in raw and not raw["events"]:
        table.bad(
            "events",
            "is empty: the target would be told nothing (leave it out for all, or enabled = false)",
        )
    return tuple(events)


def _target_templates(raw: dict[str, Any], table: _Table) -> Mapping[str, str]:
    sub = _Table(
        f"{table.table}.templates",
        f"{table.field}.templates",
        table.lines,
        table.problem,
        table.nth,
    )
    return _templates(raw.get("templates", {}), sub)


def _language(raw: dict[str, Any], table: _Table) -> str | None:
    """A target's ``language``: one of the site's, as written there; None: the main one."""
    value = raw.get("language")
    if value is None or value in table.languages:
        return value
    known = ", ".join(f'"{tag}"' for tag in table.languages)
    hint = suggest(value, table.languages) or suggest(value.lower(), table.languages)
    if len(table.languages) == 1:
        add = f'add other_languages = ["{value}"] to site.toml to post in a second language'
        table.bad("language", f"{value!r} is not this site's language ({known}; {add})")
    else:
        hint = hint or " (add it to other_languages to post in it; its pages come with it)"
        table.bad("language", f"{value!r} is not one of this site's languages ({known}){hint}")
    return None


def _https(table: _Table, key: str, url: str, example: str) -> None:
    """A service address: https, or plain http to this machine only (a test server)."""
    if secure_or_local(url):
        return
    table.bad(key, f"{url!r} is not an https:// address (like {example}; http only for 127.0.0.1)")


def _required(table: _Table, raw: dict[str, Any], key: str, example: str) -> bool:
    if raw.get(key):
        return True
    line = table.lines.table(table.table, table.nth)
    table.problem(f"{table.field}.{key}", f"missing (add a line like {key} = {example})", line)
    return False


def _choice(
    table: _Table, raw: dict[str, Any], key: str, choices: tuple[str, ...], default: str
) -> str:
    value = raw.get(key, default)
    if value not in choices:
        known = " or ".join(f'"{c}"' for c in choices)
        table.bad(key, f"{value!r} is not {known}{suggest(value, choices)}")
        return default
    return value


def _mastodon(raw: dict[str, Any], table: _Table) -> MastodonConfig:
    enabled = raw.get("enabled", False)
    instance = raw.get("instance", "").rstrip("/")
    if instance:
        _https(table, "instance", instance, "https://mastodon.example.ac.uk")
    elif enabled:
        _required(table, raw, "instance", '"https://mastodon.example.ac.uk"')
    account = raw.get("account")
    if account is not None:
        account = account.removeprefix("@")
        if not _MASTODON_ACCOUNT.fullmatch(account):
            table.bad(
                "account",
                f"{account!r} is not a Mastodon address (like itstatus@mastodon.example.ac.uk)",
            )
    return MastodonConfig(
        enabled=enabled,
        instance=instance,
        visibility=_choice(table, raw, "visibility", VISIBILITIES, "public"),
        account=account,
        **_every_target(raw, table),
    )


def _bluesky(raw: dict[str, Any], table: _Table) -> BlueskyConfig:
    enabled = raw.get("enabled", False)
    handle = raw.get("handle", "").removeprefix("@")
    if handle and not _HANDLE.fullmatch(handle):
        table.bad("handle", f"{handle!r} is not a Bluesky handle (like itstatus.example.ac.uk)")
    elif enabled and not handle:
        _required(table, raw, "handle", '"itstatus.example.ac.uk"')
    service = raw.get("service", BlueskyConfig.service).rstrip("/")
    _https(table, "service", service, "https://bsky.social")
    return BlueskyConfig(
        enabled=enabled,
        handle=handle,
        service=service,
        **_every_target(raw, table),
    )


def _every_target(raw: dict[str, Any], table: _Table) -> dict[str, Any]:
    """The keys every target takes: which events, its templates, its language."""
    return {
        "events": _events(raw, table),
        "templates": _target_templates(raw, table),
        "language": _language(raw, table),
    }


def _env_name(table: _Table, raw: dict[str, Any], key: str, example: str) -> str | None:
    """The name of an environment variable; the value is never repeated (it may be the secret)."""
    value = raw.get(key)
    if value is None:
        return None
    if ENV_NAME.fullmatch(value):
        return value
    if "://" in value or "@" in value or len(value) > 64:
        what = "looks like the secret itself (a URL or token)"
        advice = f"remove it from site.toml, rotate it, and name the CI secret here, like {example}"
    else:
        what = "is not an environment variable name"
        advice = f"letters, digits and _, like {example}"
    table.bad(key, f"{what}, not repeated here ({advice})")
    return None


def _webhooks(
    raw: Any,
    lines: KeyLines,
    problem: Report,
    check_table: CheckTable,
    languages: tuple[str, ...],
) -> tuple[WebhookConfig, ...]:
    hooks: list[WebhookConfig] = []
    seen: set[str] = set()
    for nth, item in enumerate(raw if isinstance(raw, list) else [raw]):
        field = f"publish.webhooks[{nth + 1}]"
        if not isinstance(item, dict):
            problem(field, "expected a [[publish.webhooks]] table", None)
            continue
        table = _Table("publish.webhooks", field, lines, problem, nth, languages)
        values = check_table("publish.webhooks", item, nth)
        hook = _webhook(values, table, seen)
        if hook is not None:
            hooks.append(replace(hook, enabled=values.get("enabled", True)))
    return tuple(hooks)


def _webhook(raw: dict[str, Any], table: _Table, seen: set[str]) -> WebhookConfig | None:
    name = raw.get("name")
    ok = True
    if name is not None:
        if not WEBHOOK_NAME.fullmatch(name):
            slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "teams-it"
            table.bad("name", f"{name!r} may hold only a-z, 0-9 and - (like {slug!r})")
            ok = False
        elif name in RESERVED_NAMES:
            table.bad("name", f"{name!r} is another target's name (pick one like {name}-hook)")
            ok = False
        elif name in seen:
            table.bad("name", f"{name!r} is used by an earlier webhook (names must be unique)")
            ok = False
        seen.add(name)
    fmt = raw.get("format")
    if fmt is not None and fmt not in WEBHOOK_FORMATS:
        table.bad(
            "format", f'{fmt!r} is not "teams", "slack" or "json"{suggest(fmt, WEBHOOK_FORMATS)}'
        )
        ok = False
    url_env = _env_name(table, raw, "url_env", "TEAMS_IT_WEBHOOK_URL")
    secret_env = _env_name(table, raw, "secret_env", "STATUS_HOOK_SECRET")
    token_env = _env_name(table, raw, "token_env", "SLACK_BOT_TOKEN")
    channel = raw.get("channel")
    if "secret_env" in raw and fmt != "json":
        table.bad("secret_env", 'only a format = "json" webhook is signed (remove it)')
    for key in ("token_env", "channel"):
        if key in raw and fmt != "slack":
            table.bad(key, f'only a format = "slack" webhook has a {key} (remove it)')
    if fmt == "slack" and ("token_env" in raw) != ("channel" in raw):
        missing = "channel" if "token_env" in raw else "token_env"
        table.bad(missing, "missing: a Slack bot token needs both token_env and channel")
    bot = fmt == "slack" and "token_env" in raw
    if raw.get("enabled", True):
        ok = _required(table, raw, "name", '"teams-it"') and ok
        ok = _required(table, raw, "format", '"teams"') and ok
        if not bot and "url_env" not in raw:
            ok = _required(table, raw, "url_env", '"TEAMS_IT_WEBHOOK_URL"') and ok
    if not ok or name is None or fmt is None:
        return None
    return WebhookConfig(
        name=name,
        format=fmt,
        url_env=url_env or "",
        secret_env=secret_env,
        token_env=token_env,
        channel=channel,
        **_every_target(raw, table),
    )


def _address(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    _, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    return bool(at and local and "." in domain and " " not in address)


def _email(raw: dict[str, Any], table: _Table) -> EmailConfig:
    enabled = raw.get("enabled", False)
    to = raw.get("to", [])
    bad = [n for n, value in enumerate(to, 1) if not _address(value)]
    if bad:
        table.bad(
            "to", f'item {bad[0]} is not an e-mail address (like "it-status@lists.example.ac.uk")'
        )
    elif "to" in raw and not to:
        table.bad("to", "is empty (list at least one address)")
    elif enabled and not to:
        _required(table, raw, "to", '["it-status@lists.example.ac.uk"]')
    sender = raw.get("from", "")
    if sender and not _address(sender):
        table.bad(
            "from", f'{sender!r} is not an e-mail address (like "IT status <status@example.ac.uk>")'
        )
    elif enabled and not sender:
        _required(table, raw, "from", '"IT status <status@example.ac.uk>"')
    host = raw.get("host", "")
    if enabled and not host:
        _required(table, raw, "host", '"smtp.example.ac.uk"')
    port = raw.get("port", 587)
    if not 0 < port < 65536:
        table.bad("port", f"{port} is not a port (1-65535; 587 for starttls, 465 for tls)")
    security = _choice(table, raw, "security", SECURITIES, "starttls")
    if security == "none" and host and host not in LOCAL_HOSTS:
        table.bad(
            "security",
            f'"none" sends mail unencrypted: only for 127.0.0.1 (use "starttls" for {host})',
        )
    return EmailConfig(
        enabled=enabled,
        to=tuple(v for v in to if isinstance(v, str)),
        sender=sender,
        host=host,
        port=port,
        security=security,
        **_every_target(raw, table),
    )
