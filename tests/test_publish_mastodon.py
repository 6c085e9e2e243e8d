"""MastodonTarget against Mastodon's API mocked with `responses`: Mastodon.py's own code runs."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from statusgen.model import MastodonConfig
from statusgen.publish.compose import Post
from statusgen.publish.targets import PermanentError, RateLimited, Refused, TransientError
from statusgen.publish.targets.mastodon import (
    REQUEST_TIMEOUT,
    MastodonTarget,
    idempotency_key,
    offline_limit,
    secret_names,
    weighted_length,
)

INSTANCE = "https://mastodon.example.ac.uk"
STATUSES = f"{INSTANCE}/api/v1/statuses"
INSTANCE_V2 = f"{INSTANCE}/api/v2/instance/"
ME = f"{INSTANCE}/api/v1/accounts/verify_credentials"
TOKEN = "SENTINEL-MASTODON-TOKEN"
ENV = {"MASTODON_ACCESS_TOKEN": TOKEN}
SETTINGS = MastodonConfig(enabled=True, instance=INSTANCE, visibility="unlisted")
KEY = "incidents/2026-11-22-email-delays#update:2"
LINK = "https://status.example.ac.uk/incidents/2026-11-22-email-delays/"


def _post(text: str, key: str = KEY) -> Post:
    return Post(text, False, len(text), key, "updated", {})


def status(status_id: str = "109", **extra: object) -> dict:
    return {
        "id": status_id,
        "created_at": "2026-12-01T10:00:00.000Z",
        "content": "<p>t</p>",
        "in_reply_to_id": None,
        **extra,
    }


def assert_no_secret(text: str) -> None:
    assert TOKEN not in text, text


@pytest.fixture
def mastodon() -> MastodonTarget:
    return MastodonTarget.from_config(SETTINGS, ENV)


def form(call: responses.Call) -> dict[str, list[str]]:
    found = parse_qs(call.request.body)
    # Mastodon.py 2.1+ also sends the default "sensitive=0"; 2.0 leaves it out.
    assert found.pop("sensitive", ["0"]) == ["0"]
    return found


def test_offline_facts_need_no_token() -> None:
    assert secret_names(SETTINGS) == ("MASTODON_ACCESS_TOKEN",)
    assert offline_limit(SETTINGS) == 500


@pytest.mark.parametrize(
    ("env", "settings", "message"),
    [
        ({}, SETTINGS, "MASTODON_ACCESS_TOKEN is not set (an access token with write:statuses)"),
        ({"MASTODON_ACCESS_TOKEN": " "}, SETTINGS, None),
        (
            ENV,
            MastodonConfig(instance="http://mastodon.example.ac.uk"),
            "[publish.mastodon] instance 'http://mastodon.example.ac.uk' is not an https:// URL",
        ),
        (
            ENV,
            MastodonConfig(instance=INSTANCE, visibility="direct"),
            "[publish.mastodon] visibility 'direct' is not public or unlisted",
        ),
    ],
)
def test_bad_settings_are_one_line_and_name_no_secret(env, settings, message) -> None:
    with pytest.raises(PermanentError) as caught:
        MastodonTarget.from_config(settings, env)
    if message:
        assert str(caught.value) == message
    assert_no_secret(str(caught.value))


def test_plain_http_only_for_localhost() -> None:
    local = MastodonTarget.from_config(MastodonConfig(instance="http://127.0.0.1:3000/"), ENV)
    assert repr(local) == "MastodonTarget(instance='http://127.0.0.1:3000')"


@responses.activate
def test_construction_and_repr_send_nothing_and_hold_no_secret(mastodon) -> None:
    assert_no_secret(repr(mastodon))
    assert (mastodon.name, mastodon.label, mastodon.threads) == ("mastodon", "Mastodon", True)
    assert len(responses.calls) == 0


@responses.activate
def test_post_body_headers_and_timeout(mastodon) -> None:
    responses.post(STATUSES, json=status("109"))
    assert mastodon.send(_post(f"Investigating: Email\n{LINK}"), None) == "109"
    (call,) = responses.calls
    assert form(call) == {"status": [f"Investigating: Email\n{LINK}"], "visibility": ["unlisted"]}
    assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.request.headers["Idempotency-Key"] == idempotency_key(INSTANCE, KEY)
    assert call.request.req_kwargs["timeout"] == REQUEST_TIMEOUT


def test_the_idempotency_key_is_deterministic_per_event_and_instance() -> None:
    key = idempotency_key(INSTANCE, KEY)
    assert key == idempotency_key(INSTANCE + "/", KEY)
    assert key.startswith("statusgen-") and len(key) == 50
    assert key != idempotency_key("https://other.example", KEY)
    assert key != idempotency_key(INSTANCE, KEY.replace("update:2", "update:3"))


@responses.activate
def test_a_repeat_sends_the_same_key_and_gets_the_same_status(mastodon) -> None:
    """Mastodon answers a repeated Idempotency-Key with the status it made."""
    responses.post(STATUSES, json=status("109"))
    responses.post(STATUSES, json=status("109"))
    assert mastodon.send(_post("t"), None) == mastodon.send(_post("t"), None) == "109"
    keys = {c.request.headers["Idempotency-Key"] for c in responses.calls}
    assert keys == {idempotency_key(INSTANCE, KEY)}


@responses.activate
def test_reply_body(mastodon) -> None:
    responses.post(STATUSES, json=status("110", in_reply_to_id="109"))
    assert mastodon.send(_post("Resolved"), "109") == "110"
    assert form(responses.calls[0]) == {
        "status": ["Resolved"],
        "in_reply_to_id": ["109"],
        "visibility": ["unlisted"],
    }


@responses.activate
def test_reply_to_a_deleted_status_is_sent_on_its_own(mastodon) -> None:
    responses.post(
        STATUSES,
        status=404,
        json={"error": "The post you are trying to reply to does not appear to exist."},
    )
    responses.post(STATUSES, json=status("111"))
    assert mastodon.send(_post("Update"), "109") == "111"
    assert [form(c).get("in_reply_to_id") for c in responses.calls] == [["109"], None]
    assert {c.request.headers["Idempotency-Key"] for c in responses.calls} == {
        idempotency_key(INSTANCE, KEY)
    }


@responses.activate
def test_not_found_without_reply_is_a_wrong_instance(mastodon) -> None:
    responses.post(STATUSES, status=404, body="nope")
    with pytest.raises(PermanentError) as caught:
        mastodon.send(_post("t"), None)
    assert not isinstance(caught.value, Refused)
    assert str(caught.value) == (
        f"Mastodon has no statuses API at {INSTANCE} (404 Not Found: Endpoint not found.)"
    )


@responses.activate
def test_rate_limited_carries_mastodons_iso_reset_and_does_not_sleep(mastodon) -> None:
    reset = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    responses.post(
        STATUSES,
        status=429,
        json={"error": "Too many requests"},
        headers={
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
        },
    )
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        mastodon.send(_post("t"), None)
    # Mastodon.py's default ("wait") would sleep until the reset, 5 minutes at most.
    assert time.monotonic() - started < 5
    assert caught.value.reset_at == reset.timestamp()
    assert len(responses.calls) == 1


@responses.activate
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-RateLimit-Reset": "soon"},
        # Mastodon.py itself fails on this one ("Rate limit time calculations failed").
        {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "soon"},
    ],
)
def test_rate_limited_without_a_readable_reset(mastodon, headers) -> None:
    responses.post(STATUSES, status=429, json={"error": "Too many requests"}, headers=headers)
    with pytest.raises(RateLimited) as caught:
        mastodon.send(_post("t"), None)
    assert caught.value.reset_at is None
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@responses.activate
@pytest.mark.parametrize("code", [500, 502, 503, 504, 507])
def test_server_errors_are_transient(mastodon, code: int) -> None:
    responses.post(STATUSES, status=code, body="<html>upstream</html>")
    with pytest.raises(TransientError) as caught:
        mastodon.send(_post("t"), None)
    assert str(caught.value).startswith(f"Mastodon is unavailable ({code} ")


@responses.activate
@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            requests.ConnectionError("boom"),
            f"could not connect to Mastodon at {INSTANCE}",
        ),
        (requests.ReadTimeout("slow"), "Mastodon did not answer in time (timeout 15 s)"),
    ],
)
def test_network_errors_are_transient(mastodon, error, message) -> None:
    responses.post(STATUSES, body=error)
    with pytest.raises(TransientError) as caught:
        mastodon.send(_post("t"), None)
    assert str(caught.value) == message


@responses.activate
def test_unauthorized_names_the_variable_never_the_token(mastodon, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    responses.post(STATUSES, status=401, json={"error": "The access token is invalid"})
    with pytest.raises(PermanentError) as caught:
        mastodon.send(_post("t"), None)
    assert str(caught.value) == (
        "Mastodon refused the token (401 Unauthorized: The access token is invalid): "
        "check the MASTODON_ACCESS_TOKEN secret"
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert_no_secret(str(caught.value) + repr(caught.value) + caplog.text)


@responses.activate
def test_a_token_without_the_scope_stops(mastodon) -> None:
    responses.post(
        STATUSES, status=403, json={"error": "This action is outside the authorized scopes"}
    )
    with pytest.raises(PermanentError) as caught:
        mastodon.send(_post("t"), None)
    assert not isinstance(caught.value, Refused)
    assert "403 Forbidden: This action is outside the authorized scopes" in str(caught.value)


@responses.activate
def test_unprocessable_is_refused_with_mastodons_text(mastodon) -> None:
    responses.post(
        STATUSES,
        status=422,
        json={"error": "Validation failed: Text character limit of 500 exceeded"},
    )
    with pytest.raises(Refused) as caught:
        mastodon.send(_post("t"), None)
    assert str(caught.value) == (
        "Mastodon refused the post (422 Unprocessable Entity: "
        "Validation failed: Text character limit of 500 exceeded)"
    )


@responses.activate
@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"json": {"configuration": {"statuses": {"max_characters": 1000}}}}, 1000),
        ({"json": {"configuration": {"statuses": {}}}}, 500),
        ({"json": {"configuration": {"statuses": {"max_characters": "lots"}}}}, 500),
        ({"json": {"uri": "mastodon.example.ac.uk"}}, 500),
        ({"status": 503, "body": "down"}, 500),
        ({"body": requests.ConnectionError("no")}, 500),
    ],
)
def test_the_limit_is_the_instances_asked_once(answer, expected) -> None:
    target = MastodonTarget.from_config(SETTINGS, ENV)
    responses.get(INSTANCE_V2, **answer)
    assert len(responses.calls) == 0  # not asked before it is needed
    assert target.limit == expected
    assert target.limit == expected
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello world", 11),
        (f"see {LINK} here", 4 + 23 + 5),
        (f"{LINK} and http://a.example.com/x", 23 + 5 + 23),
        ("hi @bob@example.com", len("hi @bob")),
        ("hi @bob", 7),
        ("mail bob@example.com", 20),  # an address, no mention
        ("@bob@example.com@x", 18),  # followed by an at sign: no mention
        ("Störung 👨‍👩‍👧‍👦 🇬🇧", 8 + 1 + 1 + 1),  # grapheme clusters, as Mastodon counts
        ("e\u0301", 1),
    ],
)
def test_counting_is_mastodons(text: str, expected: int) -> None:
    assert weighted_length(text) == expected
    assert MastodonTarget.from_config(SETTINGS, ENV).weighted_length(text) == expected


@responses.activate
def test_recent_reads_the_accounts_own_statuses_as_plain_text(mastodon) -> None:
    responses.get(ME, json={"id": "42", "username": "itstatus", "acct": "itstatus"})
    responses.get(
        f"{INSTANCE}/api/v1/accounts/42/statuses",
        json=[
            status(
                "120",
                in_reply_to_id="119",
                content="<p>Resolved: Email &amp; calendar</p>",
                created_at="2026-12-01T11:00:00.000Z",
            ),
            status(
                "119",
                content=(
                    '<p>Investigating: Email<br />delays <a href="https://mastodon.example.ac.uk'
                    '/tags/email" class="mention hashtag" rel="tag">#<span>email</span></a></p>'
                    f'<p><a href="{LINK}" rel="nofollow noopener" target="_blank">'
                    '<span class="invisible">https://</span><span class="ellipsis">'
                    'status.example.ac.uk/incidents</span><span class="invisible">'
                    "/2026-11-22-email-delays/</span></a></p>"
                ),
            ),
        ],
    )
    found = mastodon.recent(datetime(2026, 12, 1, 9, tzinfo=UTC).timestamp())
    assert [(p.id, p.text, p.links, p.reply) for p in found] == [
        ("120", "Resolved: Email & calendar", (), True),
        ("119", f"Investigating: Email\ndelays #email\n\n{LINK}", (LINK,), False),
    ]
    assert found[0].created_at == datetime(2026, 12, 1, 11, tzinfo=UTC).timestamp()
    query = parse_qs(urlsplit(responses.calls[1].request.url).query)
    # Mastodon.py turns the time into a status id (a snowflake: ms << 16).
    since_ms = int(datetime(2026, 12, 1, 9, tzinfo=UTC).timestamp()) * 1000
    assert query == {
        "since_id": [str(since_ms << 16)],
        "limit": ["40"],
        "exclude_reblogs": ["1"],
    }


@responses.activate
def test_recent_without_the_read_scope_stops_the_check(mastodon) -> None:
    responses.get(ME, status=403, json={"error": "This action is outside the authorized scopes"})
    with pytest.raises(PermanentError) as caught:
        mastodon.recent(0.0)
    assert str(caught.value) == (
        "Mastodon refused the token's access (403 Forbidden: This action is outside the "
        "authorized scopes): it needs write:statuses, read:statuses and read:accounts"
    )


@responses.activate
def test_recent_maps_a_server_error(mastodon) -> None:
    responses.get(ME, status=502, body="bad gateway")
    with pytest.raises(TransientError, match=r"^Mastodon is unavailable \(502 Bad Gateway"):
        mastodon.recent(0.0)
