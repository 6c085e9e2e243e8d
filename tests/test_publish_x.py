"""XTarget against X's HTTP API mocked with `responses`: tweepy's own code runs."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from statusgen.publish.targets import (
    DuplicatePost,
    PermanentError,
    RateLimited,
    Refused,
    TransientError,
)
from statusgen.publish.targets.x import CREDENTIALS, REQUEST_TIMEOUT, XTarget

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
    assert x.send("Investigating: Email\nhttps://s.example/", None) == "1001"
    (call,) = responses.calls
    assert json.loads(call.request.body) == {"text": "Investigating: Email\nhttps://s.example/"}
    assert call.request.headers["Authorization"].startswith("OAuth ")  # user context, not bearer
    assert call.request.req_kwargs["timeout"] == REQUEST_TIMEOUT


@responses.activate
def test_reply_body(x: XTarget) -> None:
    responses.post(TWEETS, json=ok("1002"))
    assert x.send("Resolved", "1001") == "1002"
    assert json.loads(responses.calls[0].request.body) == {
        "text": "Resolved",
        "reply": {"in_reply_to_tweet_id": "1001"},
    }


@responses.activate
def test_numeric_id_comes_back_as_text(x: XTarget) -> None:
    responses.post(TWEETS, json={"data": {"id": 1003, "text": "t"}})
    assert x.send("t", None) == "1003"


@responses.activate
def test_rate_limited_carries_the_reset(x: XTarget) -> None:
    responses.post(
        TWEETS,
        status=429,
        json={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        headers={"x-rate-limit-reset": "1790000000"},
    )
    with pytest.raises(RateLimited) as caught:
        x.send("t", None)
    assert caught.value.reset_at == 1790000000.0


@responses.activate
@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(x: XTarget, status: int) -> None:
    responses.post(TWEETS, status=status, body="upstream trouble")
    with pytest.raises(TransientError) as caught:
        x.send("t", None)
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
        x.send("t", None)
    assert str(caught.value) == message


@responses.activate
def test_duplicate_content(x: XTarget) -> None:
    responses.post(TWEETS, status=403, json=DUPLICATE)
    with pytest.raises(DuplicatePost):
        x.send("t", None)


@responses.activate
def test_unauthorized_is_one_line_naming_the_variables(x: XTarget) -> None:
    responses.post(
        TWEETS, status=401, json={"title": "Unauthorized", "detail": "Unauthorized", "status": 401}
    )
    with pytest.raises(PermanentError) as caught:
        x.send("t", None)
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
        x.send("t", None)
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
        x.send("t", None)
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
        x.send("t", None)


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
    assert x.send("Update", "999") == "1005"
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
