"""Sending one post with bounded retries: waits for a rate limit's reset,
backs off after 5xx and network errors, and says what happened (`run_publish`
decides what that means for the run)."""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from .compose import Post
from .targets import DuplicatePost, PermanentError, RateLimited, Refused, Target, TransientError

TRANSIENT_RETRIES = 3
"""Retries of one post after a 5xx or network error (so four attempts at most)."""
BACKOFF = 2.0
"""Seconds before the first retry; doubled for each further one."""
RATE_LIMIT_WAITS = 3
"""Waits for a rate-limit reset per post, at most."""


class Clock(Protocol):
    """Time as publish sees it; tests pass a fake that sleeps instantly."""

    def now(self) -> float:
        """Unix time in seconds (the unit of X's ``x-rate-limit-reset``)."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class Sent:
    post_id: str | None
    """None: the target already had the text (duplicate content)."""


@dataclass(frozen=True)
class Stopped:
    reason: str


@dataclass(frozen=True)
class RefusedPost:
    """The target refused this post for good; the others may still go."""

    reason: str


def send(
    target: Target,
    post: Post,
    reply_to: str | None,
    clock: Clock,
    deadline: float,
    budget: float,
) -> Generator[str, None, Sent | Stopped | RefusedPost]:
    """Send one post with bounded retries; yield a line per wait; return the outcome."""
    attempts = waits = 0
    while True:
        attempts += 1
        try:
            return Sent(target.send(post, reply_to))
        except DuplicatePost:
            return Sent(None)
        except Refused as exc:
            return RefusedPost(exc.reason)
        except PermanentError as exc:
            return Stopped(exc.reason)
        except RateLimited as exc:
            now = clock.now()
            if exc.reset_at is None:
                return Stopped(f"rate limited by {target.label} (no reset time given)")
            wait = max(exc.reset_at - now, 0.0) + 1.0  # the reset is whole seconds
            waits += 1
            if waits > RATE_LIMIT_WAITS or now + wait > deadline:
                return Stopped(
                    f"rate limited by {target.label} until {_utc(exc.reset_at)}, "
                    f"after this run's {budget:g} s (publish.timeout)"
                )
            yield f"rate limited by {target.label}: waiting {wait:.0f} s"
            clock.sleep(wait)
        except TransientError as exc:
            delay = BACKOFF * 2 ** (attempts - 1)
            if attempts > TRANSIENT_RETRIES or clock.now() + delay > deadline:
                return Stopped(f"{exc} (gave up after {attempts} attempts)")
            yield f"{exc}: retry {attempts}/{TRANSIENT_RETRIES} in {delay:g} s"
            clock.sleep(delay)


def _utc(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%H:%M:%S UTC")
