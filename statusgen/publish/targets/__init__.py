"""Where posts go: the `Target` interface and the failures a target reports.

A target turns "send this text" into a post id, and every way that can go
wrong into one of four exceptions, so that `publish` decides on retries,
waiting and stopping without knowing any client library:

- `RateLimited`: wait until `reset_at` when that is within the run's budget;
- `TransientError`: the service is down or unreachable; retry with backoff;
- `PermanentError`: retrying cannot help (bad credentials, permissions); stop;
- `Refused`: this one post is refused for good (too long as the service
  counts, a flagged link); mark it refused and send the others;
- `DuplicatePost`: the service already has this exact text, so an earlier
  run posted it and died before recording it; count it as posted.

Messages are one line for the CI log and never hold a credential.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..compose import Post


class Target(Protocol):
    name: str
    """Short name recorded in the ledger, e.g. ``x``."""
    label: str
    """Display name for progress lines, e.g. ``X``."""
    limit: int
    """Largest weighted length of a post."""

    def weighted_length(self, text: str) -> int:
        """Length of `text` as the service counts it."""
        ...

    def send(self, post: Post, reply_to: str | None) -> str:
        """Send `post` (`post.text` as composed for this target; `post.fields` for
        targets with room for structure), as a reply to the post whose id
        `reply_to` is when given; return the new post's id, which the ledger
        keeps and later replies get as `reply_to`."""
        ...


class TargetError(Exception):
    """Base of the failures a target reports; the message is one safe line."""


class RateLimited(TargetError):
    def __init__(self, reset_at: float | None) -> None:
        self.reset_at = reset_at
        """Unix time the limit resets, when the service said."""
        super().__init__("rate limited")


class TransientError(TargetError):
    """Worth retrying: a 5xx answer, a timeout, a refused connection."""


class PermanentError(TargetError):
    """Not worth retrying in this run: credentials, permissions, a rejected post."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class Refused(PermanentError):
    """The service refused this post for good (a 4xx that is not about
    credentials or the rate): retrying the same text cannot help, but other
    posts may still go."""


class DuplicatePost(TargetError):
    """The service refused the text as a duplicate of a post it already has."""

    def __init__(self) -> None:
        super().__init__("duplicate content")


__all__ = [
    "DuplicatePost",
    "PermanentError",
    "RateLimited",
    "Refused",
    "Target",
    "TargetError",
    "TransientError",
]
