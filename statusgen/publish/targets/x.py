"""X (Twitter) as a publish target, through tweepy's v2 `Client`.

Credentials come only from the environment (``X_API_KEY``,
``X_API_SECRET``, ``X_ACCESS_TOKEN``, ``X_ACCESS_TOKEN_SECRET``: an app's
OAuth 1.0a user context with read and write permission) and go straight
into the client; nothing here formats them into a message or repr, and
every exception is raised ``from None`` so no traceback carries tweepy's
request (whose headers hold the signed credentials).

tweepy sets no request timeout, so a hung connection would hang the CI job;
the client gets a session that gives every request one.

tweepy's errors map onto the `Target` failures:

==============================  ======================================
HTTP 429 (`TooManyRequests`)    `RateLimited` at ``x-rate-limit-reset``
HTTP 429, reset not an integer  `RateLimited` with no reset time
HTTP 5xx, timeout, no network   `TransientError`
403 "duplicate content"         `DuplicatePost` (X gives no code for it)
403 replying to a deleted post  sent again on its own, not as a reply
401, 403 about the app's access `PermanentError` with X's reason (stop)
other 403, other 4xx            `Refused` with X's reason (this post)
==============================  ======================================

`XTarget.recent` reads the account's recent posts (``GET /2/users/me``,
then ``GET /2/users/:id/tweets``) for `reconcile`; it maps errors the same
way: 401 stops the run, any other refusal (an app whose access level cannot
read) is `Refused` and the run goes on without the check.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy

from ..compose import X_LIMIT, Post, x_weighted_length
from ..reconcile import RecentPost
from . import (
    DuplicatePost,
    PermanentError,
    RateLimited,
    Refused,
    TargetError,
    TransientError,
)

CREDENTIALS = ("X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")
"""Environment variables holding the app's OAuth 1.0a user credentials."""

REQUEST_TIMEOUT = (5.0, 15.0)
"""Seconds to connect, and to wait for the answer, per request."""

_DUPLICATE = "duplicate content"
_REPLY_GONE = "deleted or not visible"
_ACCESS = ("not permitted to perform this action", "oauth1", "client-not-enrolled", "project")
"""Words of X's 403s about the app's access rather than the post: these stop the run."""
RECENT_MAX = 100
"""Posts read per reconciliation (X's largest page)."""


class _TimeoutSession(requests.Session):
    """A session that gives every request a timeout unless the caller set one."""

    def __init__(self, timeout: tuple[float, float]) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        self.last_status = None
        response = super().request(method, url, *args, **kwargs)
        self.last_status = response.status_code
        return response

    last_status: int | None = None
    """The status of the latest answer: tweepy's own errors do not always say."""


class XTarget:
    """Posts to X; see the module docstring for how failures are reported."""

    name = "x"
    label = "X"
    limit = X_LIMIT

    def __init__(self, client: tweepy.Client) -> None:
        self._client = client

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> XTarget:
        """A target with the credentials in `env`; names the missing variables, never values."""
        values = {name: (env.get(name) or "").strip() for name in CREDENTIALS}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise PermanentError(
                f"X credentials missing: set {', '.join(missing)} in the environment "
                "(as CI secrets)"
            )
        client = tweepy.Client(
            consumer_key=values["X_API_KEY"],
            consumer_secret=values["X_API_SECRET"],
            access_token=values["X_ACCESS_TOKEN"],
            access_token_secret=values["X_ACCESS_TOKEN_SECRET"],
        )
        client.session = _TimeoutSession(REQUEST_TIMEOUT)
        return cls(client)

    def __repr__(self) -> str:
        return "XTarget()"

    def weighted_length(self, text: str) -> int:
        return x_weighted_length(text)

    def send(self, post: Post, reply_to: str | None) -> str:
        try:
            return self._create(post.text, reply_to)
        except _ReplyGone:
            # The thread's first post was deleted: post on its own rather
            # than block every later post of the entry for good.
            return self._create(post.text, None)

    def _create(self, text: str, reply_to: str | None) -> str:
        try:
            response = self._client.create_tweet(text=text, in_reply_to_tweet_id=reply_to)
        except (tweepy.TooManyRequests, tweepy.TwitterServerError, tweepy.Unauthorized) as exc:
            raise _account_failure(exc) from None
        except ValueError:
            # tweepy (4.17) calls int() on a 429's x-rate-limit-reset before it
            # raises TooManyRequests: "soon" or "1.5e9" ends up here instead.
            if getattr(self._client.session, "last_status", None) != 429:
                raise
            raise RateLimited(None) from None
        except tweepy.Forbidden as exc:
            said = " ".join(exc.api_messages).lower()
            if _DUPLICATE in said:
                raise DuplicatePost() from None
            if reply_to is not None and _REPLY_GONE in said:
                raise _ReplyGone() from None
            if any(word in said for word in _ACCESS):
                raise PermanentError(
                    f"X refused the app's access ({_status(exc)}{_reason(exc)})"
                ) from None
            raise Refused(f"X refused the post ({_status(exc)}{_reason(exc)})") from None
        except tweepy.HTTPException as exc:
            raise Refused(f"X rejected the post ({_status(exc)}{_reason(exc)})") from None
        except requests.Timeout:
            raise TransientError(
                f"X did not answer in time (timeout {REQUEST_TIMEOUT[1]:g} s)"
            ) from None
        except requests.ConnectionError:
            raise TransientError("could not connect to X") from None
        except requests.RequestException as exc:
            raise TransientError(f"request to X failed ({type(exc).__name__})") from None
        except tweepy.TweepyException as exc:
            raise PermanentError(f"tweepy failed ({type(exc).__name__})") from None
        data = getattr(response, "data", None)
        if not isinstance(data, dict) or "id" not in data:
            raise PermanentError("X answered without a post id (check whether it was posted)")
        return str(data["id"])

    def recent(self, since: float) -> list[RecentPost]:
        """The account's posts since Unix time `since`, newest first (at most `RECENT_MAX`)."""
        start = datetime.fromtimestamp(since, UTC).replace(microsecond=0)
        try:
            me = self._client.get_me(user_auth=True)
            user_id = me.data.id
            page = self._client.get_users_tweets(
                user_id,
                max_results=RECENT_MAX,
                start_time=start,
                tweet_fields=["created_at", "entities", "referenced_tweets"],
                user_auth=True,
            )
        except (tweepy.TooManyRequests, tweepy.TwitterServerError, tweepy.Unauthorized) as exc:
            raise _account_failure(exc) from None
        except tweepy.HTTPException as exc:
            # An access level without reads (X's lowest tier) answers 403:
            # publishing still works, without this check.
            raise Refused(
                f"X refused to list the account's posts ({_status(exc)}{_reason(exc)})"
            ) from None
        except requests.RequestException as exc:
            raise TransientError(f"reading X failed ({type(exc).__name__})") from None
        except (tweepy.TweepyException, AttributeError, KeyError, TypeError, ValueError) as exc:
            raise TransientError(f"reading X failed ({type(exc).__name__})") from None
        found = []
        for tweet in page.data or ():
            urls = (tweet.entities or {}).get("urls", [])
            links = tuple(u.get("expanded_url") or u.get("url", "") for u in urls)
            kinds = {getattr(r, "type", None) for r in tweet.referenced_tweets or ()}
            made = tweet.created_at.timestamp() if tweet.created_at else None
            found.append(RecentPost(str(tweet.id), tweet.text, links, "replied_to" in kinds, made))
        return found


class _ReplyGone(Exception):
    pass


def _account_failure(exc: tweepy.HTTPException) -> TargetError:
    """What a rate limit, an outage or refused credentials mean, whatever was asked."""
    if isinstance(exc, tweepy.TooManyRequests):
        return RateLimited(_reset_at(exc.response))
    if isinstance(exc, tweepy.TwitterServerError):
        return TransientError(f"X is unavailable ({_status(exc)})")
    return PermanentError(
        f"X refused the credentials (401 Unauthorized): check the {', '.join(CREDENTIALS)} secrets"
    )


def _status(exc: tweepy.HTTPException) -> str:
    response = exc.response
    code = getattr(response, "status_code", None) or getattr(response, "status", "?")
    reason = getattr(response, "reason", "") or ""
    return f"{code} {reason}".strip()


def _reason(exc: tweepy.HTTPException) -> str:
    """X's own explanation, on one line and bounded, for the CI log."""
    said = " ".join(" ".join(str(m).split()) for m in exc.api_messages)
    if not said:
        return ""
    return ": " + (said if len(said) <= 200 else said[:199] + "…")


def _reset_at(response: object) -> float | None:
    """When X's rate limit resets (``x-rate-limit-reset``, Unix seconds), read
    from the answer itself: tweepy only parses it from 4.17 on."""
    headers = getattr(response, "headers", None) or {}
    text = headers.get("x-rate-limit-reset")
    # Whole seconds, as X sends them; anything else is no hint (tweepy 4.17's
    # own int() of the header refuses it too, so every version reads it alike).
    if not isinstance(text, str) or not text.strip().isdigit():
        return None
    return float(int(text))
