"""Webhooks as publish targets: Microsoft Teams, Slack and a plain JSON POST.

One ``[[publish.webhooks]]`` item is one target, named by its ``name``. The
URL is a secret (whoever has it can post to the channel), so site.toml only
names the environment variable that holds it (``url_env``); the URL is never
put in a message, exception or repr, and every exception is raised ``from
None`` because requests' own errors quote it.

``format = "teams"``
    A Teams Workflows "When a Teams webhook request is received" URL (the
    Office 365 connectors are retired). The body is the Workflows envelope
    ``{"type": "message", "attachments": [{"contentType":
    "application/vnd.microsoft.card.adaptive", "content": <card>}]}`` around
    an Adaptive Card 1.4: the title, a fact set (status, affected services,
    window, reference when present), the message, and an ``Action.OpenUrl``
    button to the entry. Workflows answer ``202 Accepted`` with no id and
    cannot reply in a thread (``threads = False``): the id returned is the
    event's own key, stable and local, never anything the service gave.
``format = "slack"``
    With ``url_env``: an incoming webhook, Block Kit (header, section,
    context, a button) with the composed text as the plain-text fallback
    that notifications show. An incoming webhook cannot thread and returns
    no id (``threads = False``; the id is the event's key). With
    ``token_env`` and ``channel``: a bot token with ``chat:write`` posts the
    same blocks through ``chat.postMessage``, updates in the thread of the
    entry's first message (``thread_ts``; a resolution or a window's end is
    also shown in the channel, ``reply_broadcast``), and the id is Slack's
    ``ts``. A thread whose first message was deleted gets the reply on its own.
    Plain requests, not slack-sdk: its `WebClient` speaks urllib, which
    `responses` cannot mock, and one POST needs no client.
``format = "json"``
    A POST of `json_body` (documented there and in README "JSON webhooks")
    with an ``Idempotency-Key`` header, and with ``secret_env`` an
    HMAC-SHA256 signature of the exact body bytes.

Answers map onto the `Target` failures:

================================  ==============================================
2xx                               sent
429                               `RateLimited` at now + ``Retry-After``
5xx, timeout, no network          `TransientError`
401, 403, 404, 410 (deleted URL)  `PermanentError` (stop this target)
400, 413, other 4xx               `Refused` (this post)
3xx                               `PermanentError` (a moved URL is not followed)
Slack ``ok: false``               by its ``error``: `SLACK_PERMANENT`,
                                  `SLACK_TRANSIENT`, ``ratelimited``, else
                                  `Refused`
================================  ==============================================
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from typing import Any

import requests

from ...model import WebhookConfig
from ...urls import secure_or_local
from ..compose import Post
from . import PermanentError, RateLimited, Refused, TransientError

REQUEST_TIMEOUT = (5.0, 15.0)
"""Seconds to connect, and to wait for the answer, per request (as `targets.x`)."""

FORMATS = ("teams", "slack", "json")
LABELS = {"teams": "Teams", "slack": "Slack", "json": "JSON"}

LIMITS = {"teams": 4000, "slack": 4000, "json": 10000}
"""Characters of composed text per format. Slack advises at most 4,000 in a
message's ``text``; a Teams card may hold 28 KB in all, so 4,000 leaves room
for the card around it; a JSON receiver sets no limit, and 10,000 keeps a
runaway message out."""

SLACK_POST_MESSAGE = "https://slack.com/api/chat.postMessage"
"""Hosts a plain ``http://`` URL may name (tests, a relay on the same machine)."""

JSON_SCHEMA = "statusgen.event/1"
SIGNATURE_HEADER = "X-Statusgen-Signature"
TIMESTAMP_HEADER = "X-Statusgen-Timestamp"

SLACK_PERMANENT = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "access_denied",
        "no_permission",
        "ekm_access_denied",
        "team_access_not_granted",
        "restricted_action",
    }
)
"""chat.postMessage errors about the token or the channel: no later post can go either."""
SLACK_TRANSIENT = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)

SLACK_THREAD_GONE = frozenset({"thread_not_found", "invalid_thread_ts"})
"""Slack's words for a ``thread_ts`` with no message (its thread methods give them)."""
BROADCAST = frozenset({"resolved", "maintenance_ended"})
"""Replies also shown in the channel (``reply_broadcast``): the end of an
incident or window is news to those who never opened the thread."""

_BUTTON = "View on the status page"
_TOKEN = re.compile(r"[a-z0-9_]{1,60}")
"""A bare error code (Slack's ``invalid_payload``): the only answer text quoted, so
that no page a proxy or service sends back (which might quote the URL) is."""
_SLACK_TS = re.compile(r"\d+\.\d+")


def secret_names(settings: WebhookConfig) -> tuple[str, ...]:
    """The variables holding this webhook's secrets: its URL, signing key, bot token."""
    names = (settings.url_env, settings.secret_env, settings.token_env)
    return tuple(name for name in names if name)


def offline_limit(settings: WebhookConfig) -> int:
    return LIMITS.get(settings.format, LIMITS["json"])


def weighted_length(text: str) -> int:
    """Characters (code points): none of these services weighs them."""
    return len(text)


class WebhookTarget:
    """Posts one event to one webhook; see the module docstring."""

    def __init__(
        self,
        settings: WebhookConfig,
        *,
        url: str | None,
        key: bytes | None = None,
        token: str | None = None,
    ) -> None:
        self.name = settings.name
        self.format = settings.format
        self.label = f"{settings.name} ({LABELS[settings.format]})"
        self._settings = settings
        self._url = url
        self._key = key
        self._token = token
        self.threads = token is not None
        self.limit = offline_limit(settings)

    @classmethod
    def from_config(cls, settings: WebhookConfig, env: Mapping[str, str]) -> WebhookTarget:
        """A target with its secrets from `env`; no network. Names variables, never values."""
        if settings.format not in FORMATS:
            raise PermanentError(
                f"{settings.name}: format {settings.format!r} is not one of {', '.join(FORMATS)}"
            )
        token = None
        url = None
        if settings.format == "slack" and settings.token_env:
            token = _required(settings, settings.token_env, env)
            if not settings.channel:
                raise PermanentError(
                    f"{settings.name}: a Slack bot token needs a channel (the channel's id)"
                )
        else:
            if not settings.url_env:
                raise PermanentError(f"{settings.name}: url_env is not set")
            url = _required(settings, settings.url_env, env)
            _check_url(settings, url)
        key = None
        if settings.secret_env:
            if settings.format != "json":
                raise PermanentError(f"{settings.name}: secret_env is for format json only")
            key = _required(settings, settings.secret_env, env).encode("utf-8")
        return cls(settings, url=url, key=key, token=token)

    def __repr__(self) -> str:
        return f"WebhookTarget(name={self.name!r}, format={self.format!r})"

    def weighted_length(self, text: str) -> int:
        return weighted_length(text)

    def send(self, post: Post, reply_to: str | None) -> str:
        if self.format == "teams":
            self._post(self._url or "", teams_body(post), {})
            return event_id(post)
        if self.format == "slack":
            if self._token is None:
                self._post(self._url or "", slack_body(post), {})
                return event_id(post)
            return self._slack_api(post, reply_to)
        timestamp = int(time.time())
        raw = json_bytes(json_body(post, reply_to, timestamp))
        self._post(self._url or "", raw, self._json_headers(post, raw, timestamp))
        return event_id(post)

    # --- HTTP ----------------------------------------------------------------------------

    def _json_headers(self, post: Post, raw: bytes, timestamp: int) -> dict[str, str]:
        headers = {
            "Idempotency-Key": idempotency_key(post),
            TIMESTAMP_HEADER: str(timestamp),
        }
        if self._key is not None:
            headers[SIGNATURE_HEADER] = sign(self._key, raw)
        return headers

    def _post(self, url: str, body: dict[str, Any] | bytes, headers: dict[str, str]) -> Any:
        """POST and map the answer's status; returns the response when it is a 2xx."""
        data = body if isinstance(body, bytes) else json_bytes(body)
        headers = {"Content-Type": "application/json", **headers}
        try:
            response = requests.post(
                url, data=data, headers=headers, timeout=REQUEST_TIMEOUT, allow_redirects=False
            )
        except requests.Timeout:
            raise TransientError(
                f"{self.label} did not answer in time (timeout {REQUEST_TIMEOUT[1]:g} s)"
            ) from None
        except requests.ConnectionError:
            raise TransientError(f"could not connect to {self.label}") from None
        except requests.RequestException as exc:
            raise TransientError(f"request to {self.label} failed ({type(exc).__name__})") from None
        self._check_status(response)
        return response

    def _check_status(self, response: requests.Response) -> None:
        code = response.status_code
        if 200 <= code < 300:
            return
        status = f"{code} {response.reason or ''}".strip() + _said(response)
        where = self._settings.token_env or self._settings.url_env
        if code == 429:
            raise RateLimited(_retry_at(response))
        if code >= 500:
            raise TransientError(f"{self.label} is unavailable ({status})")
        if code in (401, 403, 404, 410):
            raise PermanentError(
                f"{self.label} refused the request ({status}): the webhook may have been "
                f"deleted or its URL changed; check {where}"
            )
        if 300 <= code < 400:
            raise PermanentError(f"{self.label} answered with a redirect ({status}); check {where}")
        raise Refused(f"{self.label} refused the post ({status})")

    def _slack_api(self, post: Post, reply_to: str | None) -> str:
        # A first post's id from an incoming webhook (the event key) is no ts:
        # the update then stands alone rather than fail.
        thread = reply_to if reply_to and _SLACK_TS.fullmatch(reply_to) else None
        try:
            return self._chat_post_message(post, thread)
        except _ThreadGone:
            # The thread's first message was deleted: post on its own rather
            # than refuse every later post of the entry (as `targets.x` does).
            return self._chat_post_message(post, None)

    def _chat_post_message(self, post: Post, thread: str | None) -> str:
        body = {"channel": self._settings.channel, **slack_body(post)}
        if thread:
            body["thread_ts"] = thread
            if post.kind in BROADCAST:
                body["reply_broadcast"] = True
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Content-Type": "application/json; charset=utf-8",
        }
        response = self._post(SLACK_POST_MESSAGE, body, headers)
        try:
            answer = response.json()
        except ValueError:
            raise TransientError(f"{self.label} answered with no JSON") from None
        if not isinstance(answer, dict):
            raise TransientError(f"{self.label} answered with no JSON object")
        if answer.get("ok") is True and isinstance(answer.get("ts"), str):
            return answer["ts"]
        error = str(answer.get("error") or "unknown_error")
        error = error if _TOKEN.fullmatch(error) else "unknown_error"
        if thread and error in SLACK_THREAD_GONE:
            raise _ThreadGone()
        if error in ("ratelimited", "rate_limited"):
            raise RateLimited(_retry_at(response))
        if error in SLACK_TRANSIENT:
            raise TransientError(f"{self.label} is unavailable ({error})")
        if error in SLACK_PERMANENT:
            raise PermanentError(
                f"{self.label} refused the bot ({error}): check {self._settings.token_env}, "
                "its chat:write scope and that the app is in the channel"
            )
        raise Refused(f"{self.label} refused the post ({error})")


class _ThreadGone(Exception):
    pass


# --- bodies (pure: tests and --dry-run call them) ------------------------------------------


def event_id(post: Post) -> str:
    """The event's stable id: its key, or a digest of the text for a post without one."""
    if post.key:
        return post.key
    return "sha256:" + hashlib.sha256(post.text.encode("utf-8")).hexdigest()[:32]


def idempotency_key(post: Post) -> str:
    """ASCII for an HTTP header, whatever the entry's file name: a digest of the id."""
    return hashlib.sha256(event_id(post).encode("utf-8")).hexdigest()


def teams_body(post: Post) -> dict[str, Any]:
    """The Workflows envelope around an Adaptive Card 1.4 for `post`."""
    f = post.fields
    title = f.get("title", "")
    message = f.get("message") or f.get("summary") or ""
    body: list[dict[str, Any]] = []
    if title:
        body.append(
            {"type": "TextBlock", "text": title, "size": "Large", "weight": "Bolder", "wrap": True}
        )
    facts = [
        {"title": _label(post, key, name), "value": f[key]}
        for name, key in _FACTS
        if f.get(key) and not (key == "status" and post.kind == "news")
    ]
    if facts:
        body.append({"type": "FactSet", "facts": facts})
    if message or not body:
        body.append({"type": "TextBlock", "text": message or post.text, "wrap": True})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "fallbackText": post.text,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if f.get("link"):
        button = _label(post, "button", _BUTTON)
        card["actions"] = [{"type": "Action.OpenUrl", "title": button, "url": f["link"]}]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


_FACTS = (
    ("Status", "status"),
    ("Affected", "services"),
    ("When", "window"),
    ("Reference", "reference"),
)


def _label(post: Post, key: str, english: str) -> str:
    """A card's word in the post's language (`Post.labels`), English's by default."""
    return post.labels.get(key) or english


def slack_body(post: Post) -> dict[str, Any]:
    """Block Kit for `post`, with the composed text as the notification fallback."""
    f = post.fields
    blocks: list[dict[str, Any]] = []
    heading = ": ".join(part for part in (f.get("status"), f.get("title")) if part)
    if heading:
        blocks.append({"type": "header", "text": _plain(heading, 150)})
    message = f.get("message") or f.get("summary") or ("" if heading else post.text)
    if message:
        blocks.append({"type": "section", "text": _plain(message, 3000)})
    context = [
        _plain(f"{_label(post, key, name)}: {f[key]}", 2000)
        for name, key in _FACTS[1:]
        if f.get(key)
    ]
    if context:
        blocks.append({"type": "context", "elements": context})
    if f.get("link"):
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": _plain(_label(post, "button", _BUTTON), 75),
                        "url": f["link"],
                    }
                ],
            }
        )
    return {"text": _slack_escape(post.text), "blocks": blocks, "unfurl_links": False}


def json_body(post: Post, reply_to: str | None, timestamp: int) -> dict[str, Any]:
    """The JSON webhook's body (README "JSON webhooks" documents each key)."""
    f = post.fields
    ref = post.key.partition("#")[0] if post.key else ""
    return {
        "schema": JSON_SCHEMA,
        "id": event_id(post),
        "kind": post.kind,
        "entry": ref,
        "title": f.get("title", ""),
        "status": f.get("status", ""),
        "services": f.get("services", ""),
        "message": f.get("message", ""),
        "summary": f.get("summary", ""),
        "window": f.get("window", ""),
        "reference": f.get("reference", ""),
        "link": f.get("link", ""),
        "text": post.text,
        "in_reply_to": reply_to,
        "timestamp": timestamp,
    }


def json_bytes(body: Mapping[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact, UTF-8, keys in the documented order."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(key: bytes, raw: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact body bytes, GitHub's form."""
    return "sha256=" + hmac.new(key, raw, hashlib.sha256).hexdigest()


# --- helpers -------------------------------------------------------------------------------


def _required(settings: WebhookConfig, name: str, env: Mapping[str, str]) -> str:
    value = (env.get(name) or "").strip()
    if not value:
        raise PermanentError(f"{settings.name}: {name} is not set (a CI secret)")
    return value


def _plain(text: str, limit: int) -> dict[str, Any]:
    """A Block Kit plain_text object, cut to the element's limit."""
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return {"type": "plain_text", "text": text, "emoji": True}


def _slack_escape(text: str) -> str:
    """Slack reads ``text`` as mrkdwn: its three control characters are escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _check_url(settings: WebhookConfig, url: str) -> None:
    """https, or http on this machine only; the message names the variable, not the URL."""
    if secure_or_local(url):
        return
    raise PermanentError(
        f"{settings.name}: {settings.url_env} is not an https:// URL "
        "(plain http:// only for 127.0.0.1 or localhost)"
    )


def _said(response: requests.Response) -> str:
    text = (response.text or "").strip()
    return f": {text}" if _TOKEN.fullmatch(text) else ""


def _retry_at(response: requests.Response) -> float | None:
    """Unix time from ``Retry-After`` in seconds (what Slack and Microsoft send)."""
    text = response.headers.get("Retry-After", "").strip()
    if not text.isdigit():
        return None
    return time.time() + int(text)
