"""XTarget against X's HTTP API mocked with `responses`: tweepy's own code runs."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from statusgen.publish.compose import Post
from statusgen.publish.targets import (
    DuplicatePost,
    PermanentError,
    RateLimited,
    Refused,
    TransientError,
)
from statusgen.publish.targets.x import CREDENTIALS, REQUEST_TIMEOUT, XTarget


def _post(text: str) -> Post:
    return Post(text, False, len(text))


TWEETS = "https://api.twitter.com/2/tweets"
ENV = {
    "X_API_KEY": "SENTINEL-KEY",
    "X_API_SECRET": "SENTINEL-SECRET",
    "X_ACCESS_TOKEN": "SENTINEL-TOKEN",
    "X_ACCESS_TOKEN_SECRET": "SENTINEL-TOKEN-SECRET",
}
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}


def ok(post_id: str = "1001", text: str = "hi") -> dict:
    return {"data": {"id": post_id, "text": text, "edit_history_tweet_ids": [post_id]}}


def assert_no_secret(text: str) -> None:
    assert "SENTINEL" not in text, text


@pytest.fixture
def x() -> XTarget:
    return XTarget.from_env(ENV)


def test_missing_credentials_are_named_never_shown() -> None:
    with pytest.raises(PermanentError) as caught:
        XTarget.from_env({"X_API_KEY": "SENTINEL-KEY", "X_ACCESS_TOKEN": "  "})
    assert str(caught.value) == (
        "X credentials missing: set X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET "
        "in the environment (as CI secrets)"
    )


def test_repr_holds_no_secret(x: XTarget) -> None:
    assert_no_secret(repr(x))
    assert x.name == "x" and x.limit == 280


@responses.activate
def test_post_body_and_user_auth(x: XTarget) -> None:
    responses.post(TWEETS, json=ok("1001"))
    assert x.send(_post("Investigating: Email\nhttps://s.example/"), None) == "1001"
    (call,) = responses.calls
    assert json.loads(call.request.body) == {"text": "Investigating: Email\nhttps://s.example/"}
    assert call.request.headers["Authorization"].startswith("OAuth ")  # user context, not bearer
    assert call.request.req_kwargs["timeout"] == REQUEST_TIMEOUT


@responses.activate
def test_reply_body(x: XTarget) -> None:
    responses.post(TWEETS, json=ok("1002"))
    assert x.send(_post("Resolved"), "1001") == "1002"
    assert json.loads(responses.calls[0].request.body) == {
        "text": "Resolved",
        "reply": {"in_reply_to_tweet_id": "1001"},
    }


@responses.activate
def test_numeric_id_comes_back_as_text(x: XTarget) -> None:
    responses.post(TWEETS, json={"data": {"id": 1003, "text": "t"}})
    assert x.send(_post("t"), None) == "1003"


@responses.activate
def test_rate_limited_carries_the_reset(x: XTarget) -> None:
    responses.post(
        TWEETS,
        status=429,
        json={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        headers={"x-rate-limit-reset": "1790000000"},
    )
    with pytest.raises(RateLimited) as caught:
        x.send(_post("t"), None)
    assert caught.value.reset_at == 1790000000.0


@responses.activate
@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(x: XTarget, status: int) -> None:
    responses.post(TWEETS, status=status, body="upstream trouble")
    with pytest.raises(TransientError) as caught:
        x.send(_post("t"), None)
    assert str(caught.value).startswith(f"X is unavailable ({status} ")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@responses.activate
@pytest.mark.parametrize(
    ("error", "message"),
    [
        (requests.ConnectionError("boom"), "could not connect to X"),
        (requests.ConnectTimeout("slow"), "X did not answer in time (timeout 15 s)"),
        (requests.ReadTimeout("slow"), "X did not answer in time (timeout 15 s)"),
    ],
)
def test_network_errors_are_transient(x: XTarget, error: Exception, message: str) -> None:
    responses.post(TWEETS, body=error)
    with pytest.raises(TransientError) as caught:
        x.send(_post("t"), None)
    assert str(caught.value) == message


@responses.activate
def test_duplicate_content(x: XTarget) -> None:
    responses.post(TWEETS, status=403, json=DUPLICATE)
    with pytest.raises(DuplicatePost):
        x.send(_post("t"), None)


@responses.activate
def test_unauthorized_is_one_line_naming_the_variables(x: XTarget) -> None:
    responses.post(
        TWEETS, status=401, json={"title": "Unauthorized", "detail": "Unauthorized", "status": 401}
    )
    with pytest.raises(PermanentError) as caught:
        x.send(_post("t"), None)
    message = str(caught.value)
    assert message == (
        f"X refused the credentials (401 Unauthorized): check the {', '.join(CREDENTIALS)} secrets"
    )
    assert_no_secret(message)


@responses.activate
def test_forbidden_for_the_app_stops_the_run(x: XTarget) -> None:
    # A read-only app: about the credentials' access, not this post.
    responses.post(
        TWEETS,
        status=403,
        json={
            "detail": "You are not permitted to perform this action.",
            "title": "Forbidden",
            "status": 403,
        },
    )
    with pytest.raises(PermanentError) as caught:
        x.send(_post("t"), None)
    assert not isinstance(caught.value, Refused)
    assert str(caught.value) == (
        "X refused the app's access (403 Forbidden: You are not permitted to perform this action.)"
    )


@responses.activate
def test_other_forbidden_refuses_this_post_only(x: XTarget) -> None:
    responses.post(
        TWEETS,
        status=403,
        json={"detail": "This request looks like it might be automated.", "status": 403},
    )
    with pytest.raises(Refused) as caught:
        x.send(_post("t"), None)
    assert str(caught.value) == (
        "X refused the post (403 Forbidden: This request looks like it might be automated.)"
    )


@responses.activate
def test_bad_request_is_permanent(x: XTarget) -> None:
    responses.post(
        TWEETS,
        status=400,
        json={"errors": [{"message": "text is too long"}], "title": "Invalid Request"},
    )
    with pytest.raises(Refused, match=r"^X rejected the post \(400 Bad Request: text is"):
        x.send(_post("t"), None)


@responses.activate
def test_reply_to_a_deleted_post_is_sent_on_its_own(x: XTarget) -> None:
    responses.post(
        TWEETS,
        status=403,
        json={
            "detail": "You attempted to reply to a Tweet that is deleted or not visible to you.",
            "status": 403,
        },
    )
    responses.post(TWEETS, json=ok("1005"))
    assert x.send(_post("Update"), "999") == "1005"
    assert [json.loads(c.request.body) for c in responses.calls] == [
        {"text": "Update", "reply": {"in_reply_to_tweet_id": "999"}},
        {"text": "Update"},
    ]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-rate-limit-reset": "1764000000"}, 1764000000.0),
        ({"x-rate-limit-reset": "soon"}, None),
        ({"x-rate-limit-reset": "nan"}, None),
        ({}, None),
    ],
)
def test_the_rate_limit_reset_is_read_from_the_answer(headers, expected):
    """tweepy before 4.17 gives no reset time; a strange header is no hint."""
    from types import SimpleNamespace

    from statusgen.publish.targets.x import _reset_at

    assert _reset_at(SimpleNamespace(headers=headers)) == expected


@responses.activate
@pytest.mark.parametrize("reset", ["soon", "1.79e9", ""])
def test_a_rate_limit_with_a_reset_that_is_no_integer_has_no_reset_time(
    x: XTarget, reset: str
) -> None:
    """tweepy calls int() on the header before it raises: a ValueError, not a 429."""
    responses.post(
        TWEETS,
        status=429,
        json={"title": "Too Many Requests"},
        headers={"x-rate-limit-reset": reset},
    )
    with pytest.raises(RateLimited) as caught:
        x.send(_post("t"), None)
    assert caught.value.reset_at is None
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@responses.activate
def test_a_value_error_of_another_answer_is_not_a_rate_limit(x: XTarget, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise ValueError("a bug elsewhere")

    monkeypatch.setattr(x._client, "create_tweet", broken)
    with pytest.raises(ValueError, match="a bug elsewhere"):
        x.send(_post("t"), None)


SITE_TOML = """
title = "Test status"
base_url = "https://status.example.ac.uk/"
timezone = "Europe/London"

[[services]]
id = "email"
name = "Email"

[publish]
max_age = 100000  # hours: the fixture's November incident is still due on today's clock

[publish.x]
enabled = true
"""
INCIDENT = """
---
title: Email down
services: [email]
impact: major_outage
started: 2026-11-24 08:00
---
"""


@responses.activate
def test_publish_reports_the_strange_reset_in_one_line(write_site, capsys, monkeypatch) -> None:
    from statusgen import cli

    root = write_site({"site.toml": SITE_TOML, "content/incidents/.keep": ""})
    previous = root.parent / "previous"
    argv = ["--site", str(root), "build", "--now", "2026-11-24 12:00"]
    assert cli.main([*argv, "--output", str(previous)]) == 0
    write_site({"content/incidents/email.md": INCIDENT})
    assert cli.main(argv) == 0
    capsys.readouterr()
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    # Before sending, publish reads the account's recent posts (reconciliation).
    responses.get(
        "https://api.twitter.com/2/users/me",
        json={"data": {"id": "1", "name": "IT", "username": "it"}},
    )
    responses.get("https://api.twitter.com/2/users/1/tweets", json={"meta": {"result_count": 0}})
    responses.post(
        TWEETS,
        status=429,
        json={"title": "Too Many Requests"},
        headers={"x-rate-limit-reset": "soon"},
    )
    code = cli.main(["--site", str(root), "publish", "--previous", str(previous)])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.splitlines() == [
        "error: 1 post not sent: rate limited by X (no reset time given) (a re-run sends them)"
    ]
    assert [c.request.method for c in responses.calls] == ["GET", "GET", "POST"]
