"""Bluesky as a publish target, through atproto's `Client` (which speaks httpx).

The app password comes only from ``BLUESKY_APP_PASSWORD``; it goes into one
``com.atproto.server.createSession`` and nowhere else: not into a message,
repr or log line, and every exception is raised ``from None``. Logins are
rate-limited (a few hundred a day per account), so the target logs in lazily,
on the first post it sends or reads, and once per run: a refused login
(a wrong password) is not tried again in the same run; one that met a 429
or a 5xx may be, when publish retries that post. Constructing the target and
asking its limit never touch the network. atproto is imported only then,
too: it takes about a second to import, and `check` needs none of it.

A post is an ``app.bsky.feed.post`` record: the text, a link facet per link
(UTF-8 byte offsets, from atproto's `TextBuilder`), a link card
(``app.bsky.embed.external``) from the entry's title and summary when the
post carries the entry's link (no fetch of the page), and for a reply
``reply.root`` and ``reply.parent``, both the entry's first post (when that
was deleted, the reply is posted on its own, as on X and Mastodon). The id
`send` returns holds the record's uri and cid (and its thread's root), so a
later reply needs no lookup.

Duplicate guard: the record key is a TID derived from the account and the
event (`record_key`), written with ``com.atproto.repo.createRecord``'s
``rkey``. A PDS refuses to create a record at a key that exists: the
reference PDS (bluesky-social/atproto) answers ``500 InternalServerError``
(its MST's "There is already a value at key"; atproto issue #3718, indigo
#873), other PDSs ``409`` (``RecordAlreadyExists``). Either way the target
then reads the record at that key (``getRecord``): when it is there, the
event was posted by an earlier run, and its id is returned (so the entry's
later posts still thread); when not, the 500 was a real one. A PDS that says
``RecordAlreadyExists`` while the record cannot be read gives `DuplicatePost`.

Failures map onto the `Target` ones:

==================================  ===================================
429 (``ratelimit-reset`` header)    `RateLimited` at that Unix time
5xx, 502, timeout, no network       `TransientError`
401, 403, a refused login           `PermanentError` (stop)
400 ``ExpiredToken``/``InvalidToken``  `PermanentError`
400 ``InvalidRequest``, other 4xx   `Refused` with Bluesky's own text
==================================  ===================================
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ...model import BlueskyConfig
from ...urls import secure_or_local
from ..compose import Post
from ..reconcile import RecentPost
from ..weighted import bluesky_length, url_spans
from . import (
    DuplicatePost,
    PermanentError,
    RateLimited,
    Refused,
    TargetError,
    TransientError,
)

if TYPE_CHECKING:
    from atproto_client import Client

PASSWORD = "BLUESKY_APP_PASSWORD"
"""The environment variable holding the account's app password."""
LIMIT = 300
"""Graphemes per post (app.bsky.feed.post ``text`` maxGraphemes)."""
REQUEST_TIMEOUT = (5.0, 15.0)
"""Seconds to connect, and to wait for the answer, per request."""
RECENT_MAX = 100
"""Posts read per reconciliation (getAuthorFeed's largest page)."""
COLLECTION = "app.bsky.feed.post"
_S32 = "234567abcdefghijklmnopqrstuvwxyz"
"""The base32-sortable alphabet of TIDs."""
_TID_START = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp()) * 1_000_000
_TID_SPAN = 365 * 86_400 * 1_000_000
"""Derived TIDs tell a time in 2023: in the past, as TIDs should, and apart
from the keys the Bluesky app gives the account's other posts now."""
_TOKEN_ERRORS = ("ExpiredToken", "InvalidToken", "AuthMissing", "AuthenticationRequired")


def secret_names(settings: BlueskyConfig) -> tuple[str, ...]:
    return (PASSWORD,)


def offline_limit(settings: BlueskyConfig) -> int:
    return LIMIT


def weighted_length(text: str) -> int:
    return bluesky_length(text)


def record_key(account: str, key: str) -> str:
    """A TID (13 base32-sortable characters: 53 bits of microseconds, 10 of
    clock id) derived from the account's DID and the event, the same on
    every run: app.bsky.feed.post records must have TID keys."""
    digest = hashlib.sha256(f"{account}\n{key}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    micros = _TID_START + (number >> 10) % _TID_SPAN
    value = (micros << 10) | (number & 0x3FF)
    return "".join(_S32[(value >> (5 * shift)) & 31] for shift in range(12, -1, -1))


@dataclass(frozen=True)
class _Ref:
    uri: str
    cid: str


def post_id(post: _Ref, root: _Ref | None = None) -> str:
    """``<uri> <cid>``, and for a reply `` <root uri> <root cid>``: what the
    ledger keeps and gives back as `reply_to`."""
    parts = [post.uri, post.cid]
    if root is not None and root != post:
        parts += [root.uri, root.cid]
    return " ".join(parts)


def _parse_id(text: str) -> tuple[_Ref, _Ref]:
    """The (root, post) a post id names; `Refused` for anything else."""
    parts = text.split()
    if len(parts) not in (2, 4) or not all(p.startswith("at://") for p in parts[::2]):
        raise Refused(f"not a Bluesky post id to reply to: {text[:120]!r}")
    post = _Ref(parts[0], parts[1])
    return (_Ref(parts[2], parts[3]) if len(parts) == 4 else post), post


class BlueskyTarget:
    """Posts to one Bluesky account; see the module docstring for failures."""

    name = "bluesky"
    label = "Bluesky"
    threads = True
    limit = LIMIT

    def __init__(
        self,
        handle: str,
        password: str,
        service: str,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        langs: tuple[str, ...] = (),
    ) -> None:
        self._langs = langs
        self._handle = handle
        self._password = password
        self._service = service
        self._now = now
        self._client: Client | None = None
        self._did = ""
        self._login_failure: TargetError | None = None

    @classmethod
    def from_config(
        cls, settings: BlueskyConfig, env: Mapping[str, str], language: str = ""
    ) -> BlueskyTarget:
        """A target for `settings` with the app password in `env`; no network here.
        `language` is the site's (``en-GB``): its primary subtag is each post's
        ``langs``, which Bluesky's feeds and translation go by."""
        password = (env.get(PASSWORD) or "").strip()
        if not password:
            raise PermanentError(f"{PASSWORD} is not set (an app password of the account)")
        handle = settings.handle.strip().lstrip("@")
        if not handle:
            raise PermanentError("[publish.bluesky] handle is not set")
        service = (settings.service or "https://bsky.social").strip().rstrip("/")
        if not secure_or_local(service):
            raise PermanentError(f"[publish.bluesky] service {service!r} is not an https:// URL")
        primary = _primary(language)
        return cls(handle, password, service, langs=(primary,) if primary else ())

    def __repr__(self) -> str:
        return f"BlueskyTarget(handle={self._handle!r}, service={self._service!r})"

    def weighted_length(self, text: str) -> int:
        return bluesky_length(text)

    def close(self) -> None:
        if self._client is not None:
            self._client.request.close()

    def _session(self) -> Client:
        """The logged-in client: one login per run, the first time it is needed."""
        if self._login_failure is not None:
            raise self._login_failure
        if self._client is not None:
            return self._client
        import httpx
        from atproto_client import Client
        from atproto_client.request import Request

        timeout = httpx.Timeout(REQUEST_TIMEOUT[1], connect=REQUEST_TIMEOUT[0])
        client = Client(base_url=self._service, request=Request(timeout=timeout))
        try:
            # createSession alone: login() also reads the profile from the
            # AppView, which posting does not need and which may be down.
            session = client._get_and_set_session(self._handle, self._password)
        except _errors() as exc:
            failure = _failure(exc, "refused the login of " + self._handle, login=True)
            if isinstance(failure, PermanentError):
                # A wrong password is never tried again in this run (that
                # could lock the account); a 429 or a 5xx may be, after the
                # wait or backoff publish gives any post.
                failure = PermanentError(f"{failure.reason}: check the {PASSWORD} secret")
                self._login_failure = failure
            raise failure from None
        self._did = session.did
        self._client = client
        self._password = ""  # the session's tokens carry on; nothing keeps the password
        return client

    def send(self, post: Post, reply_to: str | None) -> str:
        from atproto_client import models

        thread = _parse_id(reply_to) if reply_to else None
        client = self._session()
        if thread is not None and self._gone(client, thread[0]):
            # The thread's first post was deleted: a PDS takes a reply to
            # anything, but it would hang under "deleted post". Post it on
            # its own, as X and Mastodon do.
            thread = None
        record = self._record(post, thread)
        rkey = record_key(self._did, post.key or post.text)
        try:
            made = client.com.atproto.repo.create_record(
                models.ComAtprotoRepoCreateRecord.Data(
                    repo=self._did, collection=COLLECTION, rkey=rkey, record=record
                )
            )
        except _errors() as exc:
            failure = _failure(exc, "refused the post")
            exists = "AlreadyExists" in _error_name(exc)
            if _status(exc) in (409, 500) or exists:
                found = self._existing(client, rkey)
                if found is not None:
                    return found
                if exists:
                    # Said so, but unreadable: posted, with no id to thread under.
                    raise DuplicatePost() from None
            raise failure from None
        root = thread[0] if thread else None
        return post_id(_Ref(made.uri, made.cid), root)

    def _existing(self, client: Client, rkey: str) -> str | None:
        """The id of the record at `rkey`, if there is one (an earlier run's post)."""
        from atproto_client import models

        try:
            found = client.com.atproto.repo.get_record(
                models.ComAtprotoRepoGetRecord.Params(
                    repo=self._did, collection=COLLECTION, rkey=rkey
                )
            )
        except _errors():
            return None  # not there (400 RecordNotFound), or unreadable: the first error stands
        if not found.cid:
            return None
        return post_id(_Ref(found.uri, found.cid), _root_of(found.value))

    def _gone(self, client: Client, root: _Ref) -> bool:
        """Whether the account's post `root` is known to be deleted (when it
        cannot be read for another reason, the reply goes ahead)."""
        from atproto_client import models

        parts = root.uri.removeprefix("at://").split("/")
        if len(parts) != 3 or parts[0] != self._did or parts[1] != COLLECTION:
            return False
        try:
            client.com.atproto.repo.get_record(
                models.ComAtprotoRepoGetRecord.Params(
                    repo=self._did, collection=COLLECTION, rkey=parts[2]
                )
            )
        except _errors() as exc:
            return _status(exc) == 400 and _error_name(exc) == "RecordNotFound"
        return False

    def _record(self, post: Post, thread: tuple[_Ref, _Ref] | None) -> Any:
        from atproto_client import models
        from atproto_client.utils import TextBuilder

        text = post.text
        builder, at = TextBuilder(), 0
        for start, end in url_spans(text):
            builder.text(text[at:start])
            builder.link(text[start:end], text[start:end])
            at = end
        builder.text(text[at:])
        reply = None
        if thread is not None:
            root, _ = thread
            reply = models.AppBskyFeedPost.ReplyRef(
                root=models.ComAtprotoRepoStrongRef.Main(uri=root.uri, cid=root.cid),
                parent=models.ComAtprotoRepoStrongRef.Main(uri=root.uri, cid=root.cid),
            )
        embed = None
        link, title = post.fields.get("link", ""), post.fields.get("title", "")
        if link and title and any(text[a:b] == link for a, b in url_spans(text)):
            embed = models.AppBskyEmbedExternal.Main(
                external=models.AppBskyEmbedExternal.External(
                    uri=link, title=title, description=post.fields.get("summary", "")
                )
            )
        made = self._now().astimezone(UTC)
        return models.AppBskyFeedPost.Record(
            text=builder.build_text(),
            facets=builder.build_facets() or None,
            created_at=made.strftime("%Y-%m-%dT%H:%M:%S.") + f"{made.microsecond // 1000:03d}Z",
            reply=reply,
            embed=embed,
            # The post's own language (a target with `language`), else the site's.
            langs=[_primary(post.language)] if post.language else list(self._langs) or None,
        )

    def recent(self, since: float) -> list[RecentPost]:
        """The account's own posts since Unix time `since`, newest first (at most
        `RECENT_MAX`), from its author feed; reposts are left out."""
        from atproto_client import models

        client = self._session()
        try:
            feed = client.app.bsky.feed.get_author_feed(
                models.AppBskyFeedGetAuthorFeed.Params(
                    actor=self._did, limit=RECENT_MAX, filter="posts_with_replies"
                )
            )
        except _errors() as exc:
            raise _failure(exc, "refused to list the account's posts") from None
        found = []
        for item in feed.feed:
            view = item.post
            if item.reason is not None or view.author.did != self._did:
                continue
            record = view.record
            made = _timestamp(getattr(record, "created_at", None))
            if made is not None and made < since:
                continue
            links = tuple(
                feature.uri
                for facet in getattr(record, "facets", None) or ()
                for feature in facet.features
                if getattr(feature, "uri", None)
            )
            root = _root_of(record)
            found.append(
                RecentPost(
                    post_id(_Ref(view.uri, view.cid), root),
                    str(getattr(record, "text", "")),
                    links,
                    root is not None,
                    made,
                )
            )
        return found


def _root_of(record: Any) -> _Ref | None:
    reply = getattr(record, "reply", None)
    root = getattr(reply, "root", None)
    if root is None or not getattr(root, "uri", None) or not getattr(root, "cid", None):
        return None
    return _Ref(root.uri, root.cid)


def _timestamp(text: object) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _errors() -> tuple[type[Exception], ...]:
    """What atproto raises for a failed request: its own errors, and httpx's
    that it passes through (a protocol error, an invalid URL)."""
    import httpx
    from atproto_client.exceptions import AtProtocolError

    return (AtProtocolError, httpx.HTTPError)


def _is_httpx(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("httpx")


def _response(exc: BaseException) -> Any:
    return getattr(exc, "response", None) if not _is_httpx(exc) else None


def _status(exc: BaseException) -> int | None:
    status = getattr(_response(exc), "status_code", None)
    return status if isinstance(status, int) else None


def _error_name(exc: BaseException) -> str:
    return str(getattr(getattr(_response(exc), "content", None), "error", None) or "")


def _said(exc: BaseException) -> str:
    """``400 InvalidRequest: Invalid app.bsky.feed.post record: ...``: one bounded line."""
    content = getattr(_response(exc), "content", None)
    error = _error_name(exc)
    message = " ".join(str(getattr(content, "message", None) or "").split())
    said = " ".join(f"{_status(exc) or '?'} {error}".split())
    if message:
        said += ": " + (message if len(message) <= 200 else message[:199] + "…")
    return said


def _failure(exc: BaseException, what: str, login: bool = False) -> TargetError:
    """The `Target` failure for atproto's `exc`; any refused login stops the run."""
    from atproto_client.exceptions import InvokeTimeoutError

    status = _status(exc)
    if status == 429:
        headers = getattr(_response(exc), "headers", None) or {}
        reset = str(headers.get("ratelimit-reset", "")).strip()
        return RateLimited(float(int(reset)) if reset.isdigit() else None)
    if status is None:
        if isinstance(exc, InvokeTimeoutError) or type(exc).__name__.endswith("Timeout"):
            return TransientError(
                f"Bluesky did not answer in time (timeout {REQUEST_TIMEOUT[1]:g} s)"
            )
        return TransientError(f"could not connect to Bluesky ({type(exc).__name__})")
    if status >= 500:
        return TransientError(f"Bluesky is unavailable ({_said(exc)})")
    if status in (401, 403) or _error_name(exc) in _TOKEN_ERRORS or login:
        return PermanentError(f"Bluesky {what} ({_said(exc)})")
    return Refused(f"Bluesky {what} ({_said(exc)})")


def _primary(tag: str) -> str:
    """A BCP 47 tag's primary subtag, as ``langs`` gives it: ``en`` for ``en-GB``."""
    return tag.strip().split("-")[0].lower()
