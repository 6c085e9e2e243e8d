"""WebhookTarget (Teams, Slack, JSON) against endpoints mocked with `responses`."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
import requests
import responses

from statusgen.model import WebhookConfig
from statusgen.publish.compose import Post
from statusgen.publish.targets import PermanentError, RateLimited, Refused, TransientError
from statusgen.publish.targets.webhooks import (
    REQUEST_TIMEOUT,
    SLACK_POST_MESSAGE,
    WebhookTarget,
    offline_limit,
    secret_names,
    weighted_length,
)

TEAMS_URL = (
    "https://prod-42.uksouth.logic.azure.com/workflows/SENTINEL-FLOW/triggers/manual/paths/"
    "invoke?api-version=2016-06-01&sig=SENTINEL-SIG"
)
SLACK_URL = "https://hooks.slack.com/services/T000/B000/SENTINEL-HOOK"
JSON_URL = "https://hooks.example.ac.uk/statusgen/SENTINEL-PATH"
ENV = {
    "TEAMS_URL": TEAMS_URL,
    "SLACK_URL": SLACK_URL,
    "JSON_URL": JSON_URL,
    "JSON_KEY": "SENTINEL-KEY",
    "SLACK_TOKEN": "xoxb-SENTINEL-TOKEN",
}
LINK = "https://status.example.ac.uk/incidents/2026-11-22-email-delays/"
KEY = "incidents/2026-11-22-email-delays#first"
FIELDS = {
    "status": "Investigating",
    "title": "Email delays",
    "services": "Email and Webmail",
    "message": "Mail is arriving up to 30 minutes late.",
    "link": LINK,
    "reference": "INC-12345",
    "summary": "",
    "window": "",
}
TEXT = (
    "Investigating: Email delays\nAffected: Email and Webmail\n"
    f"Mail is arriving up to 30 minutes late.\n{LINK}"
)
OPENED = Post(TEXT, False, len(TEXT), KEY, "opened", FIELDS)
UPDATE_TEXT = (
    "Update on Email delays (Email and Webmail)\nMonitoring: a fix is in <place> & holding."
)
UPDATE = Post(
    UPDATE_TEXT,
    True,
    len(UPDATE_TEXT),
    "incidents/2026-11-22-email-delays#update:1",
    "updated",
    {**FIELDS, "status": "Monitoring", "message": "A fix is in <place> & holding.", "link": ""},
)


def teams(**kw) -> WebhookTarget:
    return WebhookTarget.from_config(
        WebhookConfig("teams-it", "teams", url_env="TEAMS_URL", **kw), ENV
    )


def slack() -> WebhookTarget:
    return WebhookTarget.from_config(WebhookConfig("slack-it", "slack", url_env="SLACK_URL"), ENV)


def slack_bot() -> WebhookTarget:
    return WebhookTarget.from_config(
        WebhookConfig("slack-bot", "slack", token_env="SLACK_TOKEN", channel="C0123456"), ENV
    )


def json_hook(secret: bool = True) -> WebhookTarget:
    settings = WebhookConfig(
        "ops", "json", url_env="JSON_URL", secret_env="JSON_KEY" if secret else None
    )
    return WebhookTarget.from_config(settings, ENV)


def assert_no_secret(text: str) -> None:
    assert "SENTINEL" not in text, text


def assert_detached(exc: BaseException) -> None:
    """No traceback of requests' error (which quotes the URL) is chained on."""
    assert exc.__cause__ is None
    assert exc.__context__ is None or exc.__suppress_context__


def sent(index: int = 0) -> dict:
    return json.loads(responses.calls[index].request.body)


# --- configuration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "env", "message"),
    [
        (
            WebhookConfig("teams-it", "teams", url_env="TEAMS_IT_WEBHOOK_URL"),
            {},
            "teams-it: TEAMS_IT_WEBHOOK_URL is not set (a CI secret)",
        ),
        (
            WebhookConfig("teams-it", "teams", url_env="U"),
            {"U": "http://example.ac.uk/SENTINEL"},
            "teams-it: U is not an https:// URL (plain http:// only for 127.0.0.1 or localhost)",
        ),
        (
            WebhookConfig("teams-it", "teams", url_env="U"),
            {"U": "SENTINEL-not-a-url"},
            "teams-it: U is not an https:// URL (plain http:// only for 127.0.0.1 or localhost)",
        ),
        (WebhookConfig("t", "teams"), {}, "t: url_env is not set"),
        (
            WebhookConfig("h", "xml", url_env="U"),
            {"U": JSON_URL},
            "h: format 'xml' is not one of teams, slack, json",
        ),
        (
            WebhookConfig("s", "slack", token_env="SLACK_TOKEN"),
            ENV,
            "s: a Slack bot token needs a channel (the channel's id)",
        ),
        (
            WebhookConfig("t", "teams", url_env="TEAMS_URL", secret_env="JSON_KEY"),
            ENV,
            "t: secret_env is for format json only",
        ),
        (
            WebhookConfig("ops", "json", url_env="JSON_URL", secret_env="MISSING_KEY"),
            ENV,
            "ops: MISSING_KEY is not set (a CI secret)",
        ),
    ],
)
def test_bad_settings_are_named_never_shown(settings, env, message) -> None:
    with pytest.raises(PermanentError) as caught:
        WebhookTarget.from_config(settings, env)
    assert str(caught.value) == message


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://localhost/hook"])
def test_plain_http_on_this_machine_is_accepted(url: str) -> None:
    target = WebhookTarget.from_config(WebhookConfig("j", "json", url_env="U"), {"U": url})
    assert target.label == "j (JSON)"


def test_facts_for_check_and_dry_run() -> None:
    assert secret_names(
        WebhookConfig("ops", "json", url_env="JSON_URL", secret_env="JSON_KEY")
    ) == ("JSON_URL", "JSON_KEY")
    assert secret_names(WebhookConfig("s", "slack", token_env="SLACK_TOKEN", channel="C1")) == (
        "SLACK_TOKEN",
    )
    assert offline_limit(WebhookConfig("t", "teams")) == 4000
    assert offline_limit(WebhookConfig("s", "slack")) == 4000
    assert offline_limit(WebhookConfig("j", "json")) == 10000
    assert weighted_length("Wi-Fi 📶 café") == 12


def test_names_labels_threading_and_repr() -> None:
    targets = [teams(), slack(), slack_bot(), json_hook()]
    assert [(t.name, t.label, t.threads) for t in targets] == [
        ("teams-it", "teams-it (Teams)", False),
        ("slack-it", "slack-it (Slack)", False),
        ("slack-bot", "slack-bot (Slack)", True),
        ("ops", "ops (JSON)", False),
    ]
    for target in targets:
        assert_no_secret(repr(target))
        assert_no_secret(repr(vars(target).keys()))


# --- Teams ---------------------------------------------------------------------------------


@responses.activate
def test_teams_posts_an_adaptive_card_in_the_workflows_envelope() -> None:
    responses.post(TEAMS_URL, status=202)
    assert teams().send(OPENED, None) == KEY
    (call,) = responses.calls
    assert call.request.req_kwargs["timeout"] == REQUEST_TIMEOUT
    assert call.request.headers["Content-Type"] == "application/json"
    assert sent() == {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "fallbackText": TEXT,
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": "Email delays",
                            "size": "Large",
                            "weight": "Bolder",
                            "wrap": True,
                        },
                        {
                            "type": "FactSet",
                            "facts": [
                                {"title": "Status", "value": "Investigating"},
                                {"title": "Affected", "value": "Email and Webmail"},
                                {"title": "Reference", "value": "INC-12345"},
                            ],
                        },
                        {
                            "type": "TextBlock",
                            "text": "Mail is arriving up to 30 minutes late.",
                            "wrap": True,
                        },
                    ],
                    "msteams": {"width": "Full"},
                    "actions": [
                        {"type": "Action.OpenUrl", "title": "View on the status page", "url": LINK}
                    ],
                },
            }
        ],
    }


@responses.activate
def test_teams_shows_the_window_and_cannot_thread() -> None:
    responses.post(TEAMS_URL, status=202)
    window = "Sun 29 Nov 2026, 06:00–08:00 GMT"
    fields = {**FIELDS, "status": "Scheduled maintenance", "window": window, "reference": ""}
    post = Post("t", False, 1, "maintenance/2026-11-29-vpn#first", "scheduled", fields)
    # A reply_to is given but Teams cannot thread: the card stands alone.
    assert teams().send(post, "maintenance/x#first") == "maintenance/2026-11-29-vpn#first"
    card = sent()["attachments"][0]["content"]
    assert card["body"][1]["facts"] == [
        {"title": "Status", "value": "Scheduled maintenance"},
        {"title": "Affected", "value": "Email and Webmail"},
        {"title": "When", "value": window},
    ]
    assert "maintenance/x" not in responses.calls[0].request.body.decode()


@responses.activate
def test_teams_card_of_a_post_without_fields_holds_its_text() -> None:
    responses.post(TEAMS_URL, status=202)
    teams().send(Post("Plain text", False, 10), None)
    card = sent()["attachments"][0]["content"]
    assert card["body"] == [{"type": "TextBlock", "text": "Plain text", "wrap": True}]
    assert "actions" not in card


# --- Slack ---------------------------------------------------------------------------------


@responses.activate
def test_slack_incoming_webhook_posts_block_kit_with_a_fallback() -> None:
    responses.post(SLACK_URL, body="ok")
    assert slack().send(UPDATE, KEY) == UPDATE.key
    assert sent() == {
        "text": (
            "Update on Email delays (Email and Webmail)\n"
            "Monitoring: a fix is in &lt;place&gt; &amp; holding."
        ),
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": "Monitoring: Email delays", "emoji": True},
            },
            {
                "type": "section",
                "text": {
                    "type": "plain_text",
                    "text": "A fix is in <place> & holding.",
                    "emoji": True,
                },
            },
            {
                "type": "context",
                "elements": [
                    {"type": "plain_text", "text": "Affected: Email and Webmail", "emoji": True},
                    {"type": "plain_text", "text": "Reference: INC-12345", "emoji": True},
                ],
            },
        ],
        "unfurl_links": False,
    }


@responses.activate
def test_slack_button_and_a_long_title_cut_to_the_header_limit() -> None:
    responses.post(SLACK_URL, body="ok")
    post = Post(TEXT, False, len(TEXT), KEY, "opened", {**FIELDS, "title": "é" * 200})
    slack().send(post, None)
    blocks = sent()["blocks"]
    header = blocks[0]["text"]["text"]
    assert len(header) == 150 and header.startswith("Investigating: ééé") and header[-1] == "…"
    assert blocks[-1] == {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "View on the status page", "emoji": True},
                "url": LINK,
            }
        ],
    }


@responses.activate
def test_slack_bot_threads_updates_under_the_first_message() -> None:
    responses.post(SLACK_POST_MESSAGE, json={"ok": True, "channel": "C0123456", "ts": "1.5"})
    responses.post(SLACK_POST_MESSAGE, json={"ok": True, "channel": "C0123456", "ts": "1.6"})
    bot = slack_bot()
    first = bot.send(OPENED, None)
    assert first == "1.5"
    assert bot.send(UPDATE, first) == "1.6"
    one, two = sent(0), sent(1)
    assert one["channel"] == "C0123456" and "thread_ts" not in one
    assert two["thread_ts"] == "1.5" and two["channel"] == "C0123456"
    assert two["blocks"] == slack_body_of(UPDATE)
    headers = responses.calls[0].request.headers
    assert headers["Authorization"] == "Bearer xoxb-SENTINEL-TOKEN"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert responses.calls[1].request.req_kwargs["timeout"] == REQUEST_TIMEOUT


def slack_body_of(post: Post) -> list:
    from statusgen.publish.targets.webhooks import slack_body

    return slack_body(post)["blocks"]


@responses.activate
def test_slack_bot_shows_a_resolution_in_the_channel_too() -> None:
    responses.post(SLACK_POST_MESSAGE, json={"ok": True, "ts": "1.7"})
    resolved = Post("Resolved: Email delays", True, 22, "incidents/x#resolved", "resolved", FIELDS)
    slack_bot().send(resolved, "1.5")
    assert (sent()["thread_ts"], sent()["reply_broadcast"]) == ("1.5", True)


@responses.activate
def test_slack_bot_update_is_not_broadcast() -> None:
    responses.post(SLACK_POST_MESSAGE, json={"ok": True, "ts": "1.6"})
    slack_bot().send(UPDATE, "1.5")
    assert "reply_broadcast" not in sent()


@responses.activate
@pytest.mark.parametrize("error", ["thread_not_found", "invalid_thread_ts"])
def test_slack_bot_reply_to_a_deleted_first_message_stands_alone(error: str) -> None:
    responses.post(SLACK_POST_MESSAGE, json={"ok": False, "error": error})
    responses.post(SLACK_POST_MESSAGE, json={"ok": True, "ts": "3.1"})
    assert slack_bot().send(UPDATE, "1.5") == "3.1"
    assert sent(0)["thread_ts"] == "1.5" and "thread_ts" not in sent(1)


@responses.activate
def test_slack_bot_reply_to_an_incoming_webhook_id_stands_alone() -> None:
    """The first post went through a webhook (its id is the event key, not a ts)."""
    responses.post(SLACK_POST_MESSAGE, json={"ok": True, "ts": "2.1"})
    assert slack_bot().send(UPDATE, KEY) == "2.1"
    assert "thread_ts" not in sent()


@responses.activate
@pytest.mark.parametrize(
    ("error", "kind", "message"),
    [
        (
            "invalid_auth",
            PermanentError,
            "slack-bot (Slack) refused the bot (invalid_auth): check SLACK_TOKEN, its "
            "chat:write scope and that the app is in the channel",
        ),
        ("not_in_channel", PermanentError, None),
        ("channel_not_found", PermanentError, None),
        ("msg_too_long", Refused, "slack-bot (Slack) refused the post (msg_too_long)"),
        ("invalid_blocks", Refused, None),
        ("internal_error", TransientError, "slack-bot (Slack) is unavailable (internal_error)"),
        ("<html>SENTINEL</html>", Refused, "slack-bot (Slack) refused the post (unknown_error)"),
    ],
)
def test_slack_api_errors(error: str, kind: type, message: str | None) -> None:
    responses.post(SLACK_POST_MESSAGE, json={"ok": False, "error": error})
    with pytest.raises(kind) as caught:
        slack_bot().send(OPENED, None)
    assert type(caught.value) is kind
    if message:
        assert str(caught.value) == message
    assert_no_secret(str(caught.value))
    assert_detached(caught.value)


@responses.activate
@pytest.mark.parametrize("status", [429, 200])
def test_slack_ratelimited_waits_for_retry_after(status: int) -> None:
    responses.post(
        SLACK_POST_MESSAGE,
        status=status,
        json={"ok": False, "error": "ratelimited"},
        headers={"Retry-After": "30"},
    )
    before = time.time()
    with pytest.raises(RateLimited) as caught:
        slack_bot().send(OPENED, None)
    assert before + 30 <= caught.value.reset_at <= time.time() + 30


# --- JSON ----------------------------------------------------------------------------------


@responses.activate
def test_json_body_headers_and_a_signature_a_receiver_can_verify() -> None:
    responses.post(JSON_URL, status=204)
    before = int(time.time())
    assert json_hook().send(UPDATE, KEY) == UPDATE.key
    request = responses.calls[0].request
    raw = request.body
    body = json.loads(raw)
    assert body == {
        "schema": "statusgen.event/1",
        "id": "incidents/2026-11-22-email-delays#update:1",
        "kind": "updated",
        "entry": "incidents/2026-11-22-email-delays",
        "title": "Email delays",
        "status": "Monitoring",
        "services": "Email and Webmail",
        "message": "A fix is in <place> & holding.",
        "summary": "",
        "window": "",
        "reference": "INC-12345",
        "link": "",
        "text": UPDATE_TEXT,
        "in_reply_to": KEY,
        "timestamp": body["timestamp"],
    }
    assert before <= body["timestamp"] <= time.time()
    headers = request.headers
    assert headers["Idempotency-Key"] == hashlib.sha256(UPDATE.key.encode()).hexdigest()
    assert headers["X-Statusgen-Timestamp"] == str(body["timestamp"])
    # What a receiver does: HMAC the raw body with the shared key, compare in constant time.
    expected = "sha256=" + hmac.new(b"SENTINEL-KEY", raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Statusgen-Signature"], expected)
    assert_no_secret(json.dumps(dict(headers)).replace(JSON_URL, ""))


@responses.activate
def test_json_body_is_utf8_and_unsigned_without_a_secret() -> None:
    responses.post(JSON_URL, status=200)
    post = Post("Wi-Fi 📶 café", False, 12, "news/2026-12-01-café#first", "news", {"title": "Café"})
    json_hook(secret=False).send(post, None)
    request = responses.calls[0].request
    assert "X-Statusgen-Signature" not in request.headers
    assert '"title":"Café"'.encode() in request.body
    assert json.loads(request.body)["in_reply_to"] is None
    assert request.headers["Idempotency-Key"].isascii()


# --- errors, every format --------------------------------------------------------------------

TARGETS = {
    "teams": (teams, TEAMS_URL),
    "slack": (slack, SLACK_URL),
    "slack-bot": (slack_bot, SLACK_POST_MESSAGE),
    "json": (json_hook, JSON_URL),
}


@responses.activate
@pytest.mark.parametrize("which", TARGETS)
@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (500, TransientError),
        (502, TransientError),
        (503, TransientError),
        (401, PermanentError),
        (403, PermanentError),
        (404, PermanentError),
        (410, PermanentError),
        (302, PermanentError),
        (400, Refused),
        (413, Refused),
        (422, Refused),
    ],
)
def test_http_errors_map_and_never_echo_the_url(which: str, status: int, kind: type) -> None:
    make, url = TARGETS[which]
    # The service echoing the URL (as an error page may) must not reach the message.
    responses.post(url, status=status, body=f"<p>No such flow: {url}</p>")
    with pytest.raises(kind) as caught:
        make().send(OPENED, None)
    assert type(caught.value) is kind
    message = str(caught.value)
    assert "\n" not in message
    assert_no_secret(message)
    assert_no_secret(repr(caught.value))
    assert_detached(caught.value)


@responses.activate
def test_a_deleted_webhook_says_what_to_check() -> None:
    responses.post(TEAMS_URL, status=404)
    with pytest.raises(PermanentError) as caught:
        teams().send(OPENED, None)
    assert str(caught.value) == (
        "teams-it (Teams) refused the request (404 Not Found): the webhook may have been "
        "deleted or its URL changed; check TEAMS_URL"
    )


@responses.activate
def test_slack_webhook_error_codes_are_quoted() -> None:
    responses.post(SLACK_URL, status=400, body="invalid_payload")
    with pytest.raises(Refused) as caught:
        slack().send(OPENED, None)
    assert (
        str(caught.value) == "slack-it (Slack) refused the post (400 Bad Request: invalid_payload)"
    )


@responses.activate
@pytest.mark.parametrize("which", TARGETS)
@pytest.mark.parametrize(
    ("headers", "wait"),
    [({"Retry-After": "120"}, 120), ({"Retry-After": "soon"}, None), ({}, None)],
)
def test_429_is_rate_limited_until_retry_after(which: str, headers: dict, wait: int | None) -> None:
    make, url = TARGETS[which]
    responses.post(url, status=429, headers=headers)
    before = time.time()
    with pytest.raises(RateLimited) as caught:
        make().send(OPENED, None)
    if wait is None:
        assert caught.value.reset_at is None
    else:
        assert before + wait <= caught.value.reset_at <= time.time() + wait


@responses.activate
@pytest.mark.parametrize("which", TARGETS)
@pytest.mark.parametrize(
    ("error", "message"),
    [
        (requests.ConnectionError(f"cannot reach {TEAMS_URL} {SLACK_URL} {JSON_URL}"), "could not"),
        (requests.ReadTimeout(f"{TEAMS_URL} {JSON_URL}"), "did not answer in time (timeout 15 s)"),
        (requests.TooManyRedirects(JSON_URL), "failed (TooManyRedirects)"),
    ],
)
def test_network_errors_are_transient_and_quiet(which: str, error: Exception, message: str) -> None:
    make, url = TARGETS[which]
    responses.post(url, body=error)
    with pytest.raises(TransientError) as caught:
        make().send(OPENED, None)
    assert message in str(caught.value)
    assert_no_secret(str(caught.value))
    assert_detached(caught.value)
