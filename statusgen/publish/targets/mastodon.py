"""Mastodon as a publish target, through Mastodon.py (which speaks `requests`).

The access token comes only from ``MASTODON_ACCESS_TOKEN`` and goes straight
into the client; nothing here formats it into a message or repr, and every
exception is raised ``from None`` so no traceback carries Mastodon.py's
request (whose ``Authorization`` header holds it).

Mastodon.py's own defaults are unfit for CI: ``ratelimit_method="wait"``
sleeps up to five minutes on a 429 by itself, and requests wait 300 s. The
client gets ``"throw"`` (publish decides on waiting, within
``publish.timeout``) and `REQUEST_TIMEOUT`.

Duplicate guard: every post carries an ``Idempotency-Key`` derived from the
instance and the event's identity (`idempotency_key`). Mastodon keeps the key
for an hour per account and answers a repeat with the status it already made
(its id, so threading goes on); past that hour, reconciliation (`recent`)
finds the post by its link or text before anything is sent again.

Mastodon.py's errors map onto the `Target` failures:

=================================  ====================================
429 (`MastodonRatelimitError`)     `RateLimited` at ``X-RateLimit-Reset``
5xx, timeout, no network           `TransientError`
401, 403 (the token, its scopes)   `PermanentError` (stop)
404 replying to a deleted status   sent again on its own, not as a reply
422 and other 4xx                  `Refused` with Mastodon's own text
=================================  ====================================
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import requests
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from ...model import MastodonConfig
from ...urls import secure_or_local
from ..compose import Post
from ..reconcile import RecentPost
from ..weighted import mastodon_length
from . import PermanentError, RateLimited, Refused, TargetError, TransientError

TOKEN = "MASTODON_ACCESS_TOKEN"
"""The environment variable holding the account's access token."""
DEFAULT_LIMIT = 500
"""Mastodon's own default, when the instance does not say."""
REQUEST_TIMEOUT = (5.0, 15.0)
"""Seconds to connect, and to wait for the answer, per request."""
RECENT_MAX = 40
"""Statuses read per reconciliation (Mastodon's largest page)."""
VISIBILITIES = ("public", "unlisted")


def secret_names(settings: MastodonConfig) -> tuple[str, ...]:
    return (TOKEN,)


def offline_limit(settings: MastodonConfig) -> int:
    return DEFAULT_LIMIT


def weighted_length(text: str) -> int:
    return mastodon_length(text)


def idempotency_key(instance: str, key: str) -> str:
    """The ``Idempotency-Key`` of the event `key` on `instance`: the same on
    every run, different per instance (and per site, as `key` is the entry)."""
    digest = hashlib.sha256(f"{instance.rstrip('/')}\n{key}".encode()).hexdigest()
    return f"statusgen-{digest[:40]}"


class _Session(requests.Session):
    """Remembers the latest answer's status and headers: Mastodon.py's
    rate-limit error says neither, and its own reset is only set when the
    answer also has ``X-RateLimit-Remaining``."""

    def __init__(self) -> None:
        super().__init__()
        self.last_status: int | None = None
        self.last_headers: Mapping[str, str] = {}

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = REQUEST_TIMEOUT
        self.last_status, self.last_headers = None, {}
        response = super().request(method, url, *args, **kwargs)
        self.last_status, self.last_headers = response.status_code, response.headers
        return response


class MastodonTarget:
    """Posts to one Mastodon account; see the module docstring for failures."""

    name = "mastodon"
    label = "Mastodon"
    threads = True

    def __init__(self, client: Mastodon, instance: str, visibility: str) -> None:
        self._client = client
        self._instance = instance
        self._visibility = visibility
        self._limit: int | None = None

    @classmethod
    def from_config(cls, settings: MastodonConfig, env: Mapping[str, str]) -> MastodonTarget:
        """A target for `settings` with the token in `env`; no network here."""
        token = (env.get(TOKEN) or "").strip()
        if not token:
            raise PermanentError(f"{TOKEN} is not set (an access token with write:statuses)")
        instance = settings.instance.strip().rstrip("/")
        if not secure_or_local(instance):
            raise PermanentError(f"[publish.mastodon] instance {instance!r} is not an https:// URL")
        if settings.visibility not in VISIBILITIES:
            raise PermanentError(
                f"[publish.mastodon] visibility {settings.visibility!r} is not public or unlisted"
            )
        client = Mastodon(
            access_token=token,
            api_base_url=instance,
            ratelimit_method="throw",
            request_timeout=REQUEST_TIMEOUT,  # type: ignore[arg-type]  (requests takes a pair)
            session=_Session(),
            version_check_mode="none",
            user_agent="statusgen",
        )
        return cls(client, instance, settings.visibility)

    def __repr__(self) -> str:
        return f"MastodonTarget(instance={self._instance!r})"

    @property
    def limit(self) -> int:
        """``configuration.statuses.max_characters`` of ``/api/v2/instance``,
        asked once; 500 when absent or unreadable (then posts are only shorter)."""
        if self._limit is None:
            self._limit = DEFAULT_LIMIT
            try:
                found = self._client.instance_v2()["configuration"]["statuses"]["max_characters"]
            except (MastodonError, requests.RequestException, KeyError, TypeError):
                return self._limit
            if isinstance(found, int) and not isinstance(found, bool) and found > 0:
                self._limit = found
        return self._limit

    def weighted_length(self, text: str) -> int:
        return mastodon_length(text)

    def send(self, post: Post, reply_to: str | None) -> str:
        key = idempotency_key(self._instance, post.key or post.text)
        try:
            return self._create(post.text, reply_to, key)
        except _ReplyGone:
            # The thread's first status was deleted: post on its own rather
            # than block every later post of the entry for good.
            return self._create(post.text, None, key)

    def _create(self, text: str, reply_to: str | None, key: str) -> str:
        try:
            status = self._client.status_post(
                text, in_reply_to_id=reply_to, visibility=self._visibility, idempotency_key=key
            )
        except MastodonNotFoundError as exc:
            if reply_to is not None:
                raise _ReplyGone() from None
            raise PermanentError(
                f"Mastodon has no statuses API at {self._instance} ({_said(exc)})"
            ) from None
        except MastodonError as exc:
            raise self._failure(exc, "refused the post") from None
        status_id = status.get("id") if isinstance(status, Mapping) else None
        if status_id is None:
            raise PermanentError(
                "Mastodon answered without a status id (check whether it was posted)"
            )
        return str(status_id)

    def recent(self, since: float) -> list[RecentPost]:
        """The account's own statuses since Unix time `since`, newest first
        (at most `RECENT_MAX`), as plain text for reconciliation."""
        start = datetime.fromtimestamp(since, UTC)
        try:
            me = self._client.account_verify_credentials()
            statuses = self._client.account_statuses(
                me["id"], since_id=start, limit=RECENT_MAX, exclude_reblogs=True
            )
        except MastodonError as exc:
            raise self._failure(exc, "refused to list the account's statuses") from None
        except (KeyError, TypeError) as exc:
            raise TransientError(f"reading Mastodon failed ({type(exc).__name__})") from None
        found = []
        for status in statuses or ():
            text, links = _plain(str(status.get("content") or ""))
            made = status.get("created_at")
            found.append(
                RecentPost(
                    str(status["id"]),
                    text,
                    tuple(links),
                    status.get("in_reply_to_id") is not None,
                    made.timestamp() if isinstance(made, datetime) else None,
                )
            )
        return found

    def _failure(self, exc: MastodonError, what: str) -> TargetError:
        session = self._client.session
        status = _status(exc) or getattr(session, "last_status", None)
        if isinstance(exc, MastodonRatelimitError):
            if status == 429:
                return RateLimited(_reset_at(getattr(session, "last_headers", {})))
            # Mastodon.py could not read the rate-limit headers of an answer
            # that was no 429: a retry carries the same Idempotency-Key.
            return TransientError("Mastodon sent rate-limit headers Mastodon.py cannot read")
        if isinstance(exc, MastodonNetworkError):
            if isinstance(exc.__context__, requests.Timeout):
                return TransientError(
                    f"Mastodon did not answer in time (timeout {REQUEST_TIMEOUT[1]:g} s)"
                )
            return TransientError(f"could not connect to Mastodon at {self._instance}")
        if isinstance(exc, MastodonServerError) or (status or 0) >= 500:
            return TransientError(f"Mastodon is unavailable ({_said(exc)})")
        if isinstance(exc, MastodonUnauthorizedError) or status == 401:
            return PermanentError(
                f"Mastodon refused the token ({_said(exc)}): check the {TOKEN} secret"
            )
        if status == 403:
            return PermanentError(
                f"Mastodon refused the token's access ({_said(exc)}): it needs write:statuses, "
                "read:statuses and read:accounts"
            )
        if isinstance(exc, MastodonAPIError) and status is not None:
            return Refused(f"Mastodon {what} ({_said(exc)})")
        return TransientError(f"Mastodon.py failed ({type(exc).__name__})")


class _ReplyGone(Exception):
    pass


def _status(exc: MastodonError) -> int | None:
    """The HTTP status of Mastodon.py's ``MastodonAPIError(text, status, reason, error)``."""
    args = exc.args
    return args[1] if len(args) > 1 and isinstance(args[1], int) else None


def _said(exc: MastodonError) -> str:
    """``422 Unprocessable Entity: Validation failed: ...``: one bounded line."""
    args = exc.args
    code = args[1] if len(args) > 1 and isinstance(args[1], int) else "?"
    reason = args[2] if len(args) > 2 and isinstance(args[2], str) else ""
    error = args[3] if len(args) > 3 and isinstance(args[3], str) else ""
    said = " ".join(f"{code} {reason}".split())
    error = " ".join(error.split())
    if error:
        said += ": " + (error if len(error) <= 200 else error[:199] + "…")
    return said


def _reset_at(headers: Mapping[str, str]) -> float | None:
    """``X-RateLimit-Reset``: an ISO 8601 time (Mastodon), or Unix seconds (others)."""
    text = (headers.get("X-RateLimit-Reset") or "").strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


class _Text(HTMLParser):
    """A status's HTML as Mastodon shows it: paragraphs and line breaks kept,
    links' full text (Mastodon hides parts of it in ``invisible`` spans)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")
        elif tag == "a":
            found = dict(attrs)
            classes = (found.get("class") or "").split()
            if found.get("href") and not {"mention", "hashtag"} & set(classes):
                self.links.append(found["href"] or "")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _plain(content: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts).strip(), parser.links
