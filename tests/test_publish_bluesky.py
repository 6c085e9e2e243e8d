"""BlueskyTarget against a PDS mocked with `respx`: atproto's own client code runs."""

from __future__ import annotations

import base64
import json
import logging
import re
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
import respx

from statusgen.model import BlueskyConfig
from statusgen.publish.compose import Post
from statusgen.publish.targets import (
    DuplicatePost,
    PermanentError,
    RateLimited,
    Refused,
    TransientError,
)
from statusgen.publish.targets.bluesky import (
    BlueskyTarget,
    offline_limit,
    post_id,
    record_key,
    secret_names,
    weighted_length,
)

SERVICE = "https://bsky.social"
XRPC = f"{SERVICE}/xrpc"
PASSWORD = "SENTINEL-BSKY-APP-PASSWORD"
ENV = {"BLUESKY_APP_PASSWORD": PASSWORD}
HANDLE = "itstatus.example.ac.uk"
DID = "did:plc:itstatusexample0000000000"
SETTINGS = BlueskyConfig(enabled=True, handle=HANDLE)
KEY = "incidents/2026-11-22-email-delays#opened"
LINK = "https://status.example.ac.uk/incidents/2026-11-22-email-delays/"
NOW = datetime(2026, 12, 1, 14, 30, 5, 123456, tzinfo=UTC)
ROOT_URI = f"at://{DID}/app.bsky.feed.post/3kabcdefghij2"
ROOT_CID = "bafyreiroot"
ROOT_RECORD = {"$type": "app.bsky.feed.post", "text": "t", "createdAt": "2026-12-01T14:00:00Z"}


def _jwt(exp: int = 4_102_444_800) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    payload = {"scope": "com.atproto.appPass", "sub": DID, "iat": 1_764_000_000, "exp": exp}
    return f"{part({'alg': 'ES256K', 'typ': 'at+jwt'})}.{part(payload)}.c2ln"


ACCESS = _jwt()
SESSION = {"accessJwt": ACCESS, "refreshJwt": _jwt(), "handle": HANDLE, "did": DID}


def _post(text: str, key: str = KEY, **fields: str) -> Post:
    return Post(text, False, len(text), key, "opened", fields)


def secrets_in(text: str) -> bool:
    return PASSWORD in text or ACCESS in text


def target() -> BlueskyTarget:
    return BlueskyTarget(HANDLE, PASSWORD, SERVICE, now=lambda: NOW)


@pytest.fixture
def pds():
    with respx.mock(base_url=XRPC, assert_all_called=False) as mock:
        mock.post("/com.atproto.server.createSession", name="login").respond(json=SESSION)
        # The thread's first post is there (replies look it up first).
        mock.get("/com.atproto.repo.getRecord", name="get").respond(
            json={"uri": ROOT_URI, "cid": ROOT_CID, "value": ROOT_RECORD}
        )
        yield mock


def created(pds, uri: str = ROOT_URI, cid: str = ROOT_CID, **answer):
    return pds.post("/com.atproto.repo.createRecord", name="create").mock(
        return_value=httpx.Response(
            answer.pop("status", 200), **(answer or {"json": {"uri": uri, "cid": cid}})
        )
    )


def body(route) -> dict:
    return json.loads(route.calls.last.request.content)


def test_offline_facts() -> None:
    assert secret_names(SETTINGS) == ("BLUESKY_APP_PASSWORD",)
    assert offline_limit(SETTINGS) == 300


@pytest.mark.parametrize(
    ("env", "settings", "message"),
    [
        ({}, SETTINGS, "BLUESKY_APP_PASSWORD is not set (an app password of the account)"),
        (ENV, BlueskyConfig(handle=" "), "[publish.bluesky] handle is not set"),
        (
            ENV,
            BlueskyConfig(handle=HANDLE, service="http://pds.example.ac.uk"),
            "[publish.bluesky] service 'http://pds.example.ac.uk' is not an https:// URL",
        ),
    ],
)
def test_bad_settings(env, settings, message) -> None:
    with pytest.raises(PermanentError) as caught:
        BlueskyTarget.from_config(settings, env)
    assert str(caught.value) == message


def test_constructing_and_the_limit_touch_no_network() -> None:
    with respx.mock(assert_all_called=False) as mock:
        made = BlueskyTarget.from_config(BlueskyConfig(handle="@" + HANDLE), ENV)
        assert not secrets_in(repr(made) + repr(vars(made).get("_client")))
        local = BlueskyTarget.from_config(
            BlueskyConfig(handle=HANDLE, service="http://127.0.0.1:2583/"), ENV
        )
        assert (made.name, made.label, made.threads, made.limit) == (
            "bluesky",
            "Bluesky",
            True,
            300,
        )
        assert made.weighted_length("👨‍👩‍👧‍👦") == 1
        made.close()
        assert mock.calls.call_count == 0
    assert repr(made) == f"BlueskyTarget(handle='{HANDLE}', service='{SERVICE}')"
    assert repr(local) == f"BlueskyTarget(handle='{HANDLE}', service='http://127.0.0.1:2583')"


def test_a_post_with_an_emoji_and_a_non_ascii_title_has_byte_offsets(pds) -> None:
    route = created(pds)
    text = f"Störung 📧 E-Mail: Verzögerungen\n{LINK}"
    bluesky = target()
    assert bluesky.send(_post(text), None) == f"{ROOT_URI} {ROOT_CID}"
    login = json.loads(pds["login"].calls.last.request.content)
    assert login == {"identifier": HANDLE, "password": PASSWORD}
    # The link starts at code point 32 but byte 37: "Störung " is 9 bytes,
    # "📧 " 5, "E-Mail: " 8, "Verzögerungen" 14, the line break 1.
    assert body(route) == {
        "repo": DID,
        "collection": "app.bsky.feed.post",
        "rkey": record_key(DID, KEY),
        "record": {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": "2026-12-01T14:30:05.123Z",
            "facets": [
                {
                    "$type": "app.bsky.richtext.facet",
                    "index": {
                        "$type": "app.bsky.richtext.facet#byteSlice",
                        "byteStart": 37,
                        "byteEnd": 37 + len(LINK),
                    },
                    "features": [{"$type": "app.bsky.richtext.facet#link", "uri": LINK}],
                }
            ],
        },
    }
    assert len(text[: text.index("https")].encode()) == 37
    request = route.calls.last.request
    assert request.headers["Authorization"] == f"Bearer {ACCESS}"
    assert request.extensions["timeout"] == {
        "connect": 5.0,
        "read": 15.0,
        "write": 15.0,
        "pool": 15.0,
    }


def test_the_link_card_comes_from_the_fields_without_a_fetch(pds) -> None:
    route = created(pds)
    text = f"Investigating: Email delays\n{LINK}"
    target().send(_post(text, link=LINK, title="Email delays", summary="Mail is slow."), None)
    assert body(route)["record"]["embed"] == {
        "$type": "app.bsky.embed.external",
        "external": {
            "$type": "app.bsky.embed.external#external",
            "uri": LINK,
            "title": "Email delays",
            "description": "Mail is slow.",
        },
    }
    assert [c.request.url.path for c in pds.calls] == [
        "/xrpc/com.atproto.server.createSession",
        "/xrpc/com.atproto.repo.createRecord",
    ]


def test_a_reply_without_the_link_has_no_card_and_no_facet(pds) -> None:
    route = created(pds, uri=f"at://{DID}/app.bsky.feed.post/3kreply", cid="bafyreply")
    made = target().send(
        _post("Update: mail flows again", key=KEY + "2", link=LINK, title="E"),
        f"{ROOT_URI} {ROOT_CID}",
    )
    assert made == f"at://{DID}/app.bsky.feed.post/3kreply bafyreply {ROOT_URI} {ROOT_CID}"
    record = body(route)["record"]
    assert "embed" not in record and "facets" not in record
    assert record["reply"] == {
        "$type": "app.bsky.feed.post#replyRef",
        "root": {"$type": "com.atproto.repo.strongRef", "uri": ROOT_URI, "cid": ROOT_CID},
        "parent": {"$type": "com.atproto.repo.strongRef", "uri": ROOT_URI, "cid": ROOT_CID},
    }


def test_a_reply_whose_first_post_was_deleted_is_posted_on_its_own(pds) -> None:
    route = created(pds, uri=f"at://{DID}/app.bsky.feed.post/3kalone", cid="bafyalone")
    lookup = pds.get("/com.atproto.repo.getRecord", name="get").respond(
        400, json={"error": "RecordNotFound", "message": "Could not locate record"}
    )
    made = target().send(_post("Update"), f"{ROOT_URI} {ROOT_CID}")
    assert made == f"at://{DID}/app.bsky.feed.post/3kalone bafyalone"
    assert "reply" not in body(route)["record"]
    assert dict(lookup.calls.last.request.url.params) == {
        "repo": DID,
        "collection": "app.bsky.feed.post",
        "rkey": "3kabcdefghij2",
    }


def test_a_reply_goes_ahead_when_the_first_post_cannot_be_read(pds) -> None:
    route = created(pds, uri=f"at://{DID}/app.bsky.feed.post/3kreply", cid="bafyreply")
    pds.get("/com.atproto.repo.getRecord", name="get").respond(503, text="down")
    target().send(_post("Update"), f"{ROOT_URI} {ROOT_CID}")
    assert body(route)["record"]["reply"]["root"]["uri"] == ROOT_URI


def test_a_reply_to_a_reply_id_threads_under_the_root(pds) -> None:
    route = created(pds, uri=f"at://{DID}/app.bsky.feed.post/3kthird", cid="bafythird")
    reply_id = f"at://{DID}/app.bsky.feed.post/3kreply bafyreply {ROOT_URI} {ROOT_CID}"
    target().send(_post("Resolved"), reply_id)
    reply = body(route)["record"]["reply"]
    assert reply["root"]["uri"] == ROOT_URI and reply["parent"]["uri"] == ROOT_URI


def test_a_strange_reply_id_refuses_that_post(pds) -> None:
    with pytest.raises(Refused, match="not a Bluesky post id to reply to: '1234'"):
        target().send(_post("t"), "1234")


def test_one_login_for_many_posts(pds) -> None:
    created(pds)
    bluesky = target()
    bluesky.send(_post("a", key="a"), None)
    bluesky.send(_post("b", key="b"), None)
    assert pds["login"].call_count == 1
    assert pds["create"].call_count == 2


def test_the_record_key_is_a_tid_per_account_and_event() -> None:
    key = record_key(DID, KEY)
    assert re.fullmatch(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}", key)
    assert key == record_key(DID, KEY)
    assert key != record_key(DID, KEY + "x") and key != record_key("did:plc:other", KEY)
    # The TID's time: microseconds in 2023, under the 10 bits of clock id.
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    value = 0
    for char in key:
        value = value * 32 + alphabet.index(char)
    when = datetime.fromtimestamp((value >> 10) / 1_000_000, UTC)
    assert when.year == 2023


def test_a_post_the_pds_already_has_comes_back_with_its_id(pds) -> None:
    """The reference PDS answers 500 for an existing rkey; the record is read back."""
    created(
        pds, status=500, json={"error": "InternalServerError", "message": "Internal Server Error"}
    )
    rkey = record_key(DID, KEY)
    uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
    lookup = pds.get("/com.atproto.repo.getRecord", name="get").respond(
        json={
            "uri": uri,
            "cid": "bafyexisting",
            "value": {
                "$type": "app.bsky.feed.post",
                "text": "t",
                "createdAt": "2026-12-01T14:00:00Z",
            },
        }
    )
    assert target().send(_post("t"), None) == f"{uri} bafyexisting"
    assert dict(lookup.calls.last.request.url.params) == {
        "repo": DID,
        "collection": "app.bsky.feed.post",
        "rkey": rkey,
    }


def test_an_existing_reply_keeps_its_root(pds) -> None:
    created(pds, status=409, json={"error": "RecordAlreadyExists", "message": "exists"})
    pds.get("/com.atproto.repo.getRecord", name="get").respond(
        json={
            "uri": f"at://{DID}/app.bsky.feed.post/3kreply",
            "cid": "bafyreply",
            "value": {
                "$type": "app.bsky.feed.post",
                "text": "t",
                "createdAt": "2026-12-01T14:00:00Z",
                "reply": {
                    "root": {"uri": ROOT_URI, "cid": ROOT_CID},
                    "parent": {"uri": ROOT_URI, "cid": ROOT_CID},
                },
            },
        }
    )
    made = target().send(_post("t"), f"{ROOT_URI} {ROOT_CID}")
    assert made == f"at://{DID}/app.bsky.feed.post/3kreply bafyreply {ROOT_URI} {ROOT_CID}"


def test_an_existing_record_that_cannot_be_read_is_a_duplicate(pds) -> None:
    created(pds, status=409, json={"error": "RecordAlreadyExists", "message": "exists"})
    pds.get("/com.atproto.repo.getRecord", name="get").respond(503, text="down")
    with pytest.raises(DuplicatePost):
        target().send(_post("t"), None)


def test_a_real_server_error_is_transient(pds) -> None:
    created(
        pds, status=500, json={"error": "InternalServerError", "message": "Internal Server Error"}
    )
    pds.get("/com.atproto.repo.getRecord", name="get").respond(
        400, json={"error": "RecordNotFound", "message": "Could not locate record"}
    )
    with pytest.raises(TransientError) as caught:
        target().send(_post("t"), None)
    assert str(caught.value) == (
        "Bluesky is unavailable (500 InternalServerError: Internal Server Error)"
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize("status", [502, 503])
def test_gateway_errors_are_transient(pds, status) -> None:
    created(pds, status=status, text="upstream")
    with pytest.raises(TransientError, match=rf"^Bluesky is unavailable \({status}"):
        target().send(_post("t"), None)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (httpx.ConnectError("no route"), "could not connect to Bluesky (NetworkError)"),
        (httpx.ReadTimeout("slow"), "Bluesky did not answer in time (timeout 15 s)"),
        (httpx.RemoteProtocolError("eh"), "could not connect to Bluesky (RemoteProtocolError)"),
    ],
)
def test_network_errors_are_transient(pds, error, message) -> None:
    pds.post("/com.atproto.repo.createRecord").mock(side_effect=error)
    with pytest.raises(TransientError) as caught:
        target().send(_post("t"), None)
    assert str(caught.value) == message


def test_rate_limited_carries_the_reset(pds) -> None:
    created(
        pds,
        status=429,
        json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        headers={"ratelimit-reset": "1764600000", "ratelimit-remaining": "0"},
    )
    with pytest.raises(RateLimited) as caught:
        target().send(_post("t"), None)
    assert caught.value.reset_at == 1764600000.0


def test_an_invalid_record_is_refused_with_blueskys_text(pds) -> None:
    created(
        pds,
        status=400,
        json={
            "error": "InvalidRequest",
            "message": "Invalid app.bsky.feed.post record: text too long",
        },
    )
    with pytest.raises(Refused) as caught:
        target().send(_post("t"), None)
    assert str(caught.value) == (
        "Bluesky refused the post (400 InvalidRequest: "
        "Invalid app.bsky.feed.post record: text too long)"
    )


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, "ExpiredToken"), (401, "AuthenticationRequired"), (403, "Forbidden")],
)
def test_token_errors_stop(pds, status, error) -> None:
    created(pds, status=status, json={"error": error, "message": "no"})
    with pytest.raises(PermanentError) as caught:
        target().send(_post("t"), None)
    assert not isinstance(caught.value, Refused)


def test_a_wrong_password_stops_names_the_variable_and_is_not_tried_again(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with respx.mock(base_url=XRPC) as mock:
        login = mock.post("/com.atproto.server.createSession").respond(
            401,
            json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
        )
        bluesky = target()
        for _ in range(2):
            with pytest.raises(PermanentError) as caught:
                bluesky.send(_post("t"), None)
        with pytest.raises(PermanentError):
            bluesky.recent(0.0)
        assert login.call_count == 1
    message = str(caught.value)
    assert message == (
        f"Bluesky refused the login of {HANDLE} (401 AuthenticationRequired: Invalid identifier "
        "or password): check the BLUESKY_APP_PASSWORD secret"
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert not secrets_in(message + repr(caught.value) + repr(bluesky) + caplog.text)


def test_a_rate_limited_login_may_be_retried_after_the_reset(pds) -> None:
    login = pds.post("/com.atproto.server.createSession")
    login.side_effect = [
        httpx.Response(
            429, json={"error": "RateLimitExceeded"}, headers={"ratelimit-reset": "1764600300"}
        ),
        httpx.Response(200, json=SESSION),
    ]
    created(pds)
    bluesky = target()
    with pytest.raises(RateLimited) as caught:
        bluesky.send(_post("t"), None)
    assert caught.value.reset_at == 1764600300.0
    assert bluesky.send(_post("t"), None) == f"{ROOT_URI} {ROOT_CID}"
    assert login.call_count == 2


def test_no_secret_in_logs_of_a_whole_exchange(pds, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    created(pds)
    bluesky = target()
    bluesky.send(_post("t"), None)
    assert not secrets_in(caplog.text + repr(bluesky))
    assert PASSWORD not in repr(vars(bluesky))  # not kept once the session is open


def _item(uri: str, cid: str, text: str, made: str, **extra) -> dict:
    record = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": made,
        **extra.pop("record", {}),
    }
    author = {"did": extra.pop("author", DID), "handle": HANDLE}
    return {
        "post": {
            "uri": uri,
            "cid": cid,
            "author": author,
            "record": record,
            "indexedAt": made,
        },
        **extra,
    }


def test_recent_reads_the_accounts_own_posts(pds) -> None:
    reply_uri = f"at://{DID}/app.bsky.feed.post/3kreply"
    feed = pds.get("/app.bsky.feed.getAuthorFeed").respond(
        json={
            "feed": [
                _item(
                    reply_uri,
                    "bafyreply",
                    "Resolved: mail flows",
                    "2026-12-01T12:00:00.000Z",
                    record={
                        "reply": {
                            "root": {"uri": ROOT_URI, "cid": ROOT_CID},
                            "parent": {"uri": ROOT_URI, "cid": ROOT_CID},
                        }
                    },
                ),
                _item(
                    "at://did:plc:someoneelse/app.bsky.feed.post/3kx",
                    "bafyx",
                    "a repost",
                    "2026-12-01T11:30:00.000Z",
                    author="did:plc:someoneelse",
                    reason={
                        "$type": "app.bsky.feed.defs#reasonRepost",
                        "by": {"did": DID, "handle": HANDLE},
                        "indexedAt": "2026-12-01T11:30:00.000Z",
                    },
                ),
                _item(
                    ROOT_URI,
                    ROOT_CID,
                    f"Investigating: Email\n{LINK}",
                    "2026-12-01T11:00:00.000Z",
                    record={
                        "facets": [
                            {
                                "index": {"byteStart": 21, "byteEnd": 21 + len(LINK)},
                                "features": [
                                    {"$type": "app.bsky.richtext.facet#link", "uri": LINK}
                                ],
                            }
                        ]
                    },
                ),
                _item(
                    f"at://{DID}/app.bsky.feed.post/3kold", "bafyold", "old", "2026-11-01T00:00:00Z"
                ),
            ]
        }
    )
    found = target().recent(datetime(2026, 12, 1, tzinfo=UTC).timestamp())
    assert [(p.id, p.text, p.links, p.reply) for p in found] == [
        (f"{reply_uri} bafyreply {ROOT_URI} {ROOT_CID}", "Resolved: mail flows", (), True),
        (f"{ROOT_URI} {ROOT_CID}", f"Investigating: Email\n{LINK}", (LINK,), False),
    ]
    assert found[1].created_at == datetime(2026, 12, 1, 11, tzinfo=UTC).timestamp()
    params = dict(feed.calls.last.request.url.params)
    assert params.pop("includePins", "false") == "false"  # atproto 0.0.62+ sends it
    assert params == {
        "actor": DID,
        "limit": "100",
        "filter": "posts_with_replies",
    }


def test_recent_maps_errors(pds) -> None:
    pds.get("/app.bsky.feed.getAuthorFeed").respond(503, text="down")
    with pytest.raises(TransientError, match=r"^Bluesky is unavailable \(503"):
        target().recent(0.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", 5),
        ("👨‍👩‍👧‍👦", 1),  # a ZWJ family: one grapheme, 25 bytes
        ("🇬🇧🇫🇷", 2),
        ("e\u0301\u0302x", 2),
        (LINK, len(LINK)),  # links count in full
        ("👨‍👩‍👧‍👦" * 130, 325),  # 130 graphemes but 3250 bytes: over 3000
    ],
)
def test_counting_is_blueskys(text: str, expected: int) -> None:
    assert weighted_length(text) == expected


def test_post_id_of_a_root_has_no_root_part() -> None:
    from statusgen.publish.targets.bluesky import _Ref

    root = _Ref(ROOT_URI, ROOT_CID)
    assert post_id(root, root) == post_id(root) == f"{ROOT_URI} {ROOT_CID}"


def test_the_module_imports_no_atproto_until_it_is_used() -> None:
    """`check` and `--dry-run` read the offline facts; atproto takes a second to import."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}

    code = (
        "import sys, statusgen.publish.targets.bluesky as b; "
        "b.weighted_length('x'); b.BlueskyTarget.from_config(b.BlueskyConfig(handle='h'), "
        "{'BLUESKY_APP_PASSWORD': 'p'}); print(sorted(m for m in sys.modules if 'atproto' in m))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.strip() == "[]"


def test_posts_go_to_the_pds_the_session_names() -> None:
    """bsky.social accounts live on other hosts: the session's DID document says which."""
    host = "https://morel.us-east.host.bsky.network"
    did_doc = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": DID,
        "alsoKnownAs": [f"at://{HANDLE}"],
        "service": [
            {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": host}
        ],
    }
    with respx.mock() as mock:
        mock.post(f"{XRPC}/com.atproto.server.createSession").respond(
            json={**SESSION, "didDoc": did_doc}
        )
        route = mock.post(f"{host}/xrpc/com.atproto.repo.createRecord").respond(
            json={"uri": ROOT_URI, "cid": ROOT_CID}
        )
        assert target().send(_post("t"), None) == f"{ROOT_URI} {ROOT_CID}"
        assert route.call_count == 1


def test_a_post_in_a_targets_language_names_it_in_langs(pds) -> None:
    route = created(pds)
    english_site = BlueskyTarget(HANDLE, PASSWORD, SERVICE, now=lambda: NOW, langs=("en",))
    # A post of a target with language = "cy" says so over the site's language.
    english_site.send(replace(_post(f"Oedi e-bost\n{LINK}"), language="cy-GB"), None)
    assert body(route)["record"]["langs"] == ["cy"]
    english_site.send(replace(_post(f"Email delays\n{LINK}"), language="en-GB"), None)
    assert body(route)["record"]["langs"] == ["en"]
    english_site.send(_post(f"Email delays\n{LINK}"), None)  # a post that does not say
    assert body(route)["record"]["langs"] == ["en"]
    target().send(_post(f"Email delays\n{LINK}"), None)
    assert "langs" not in body(route)["record"]
