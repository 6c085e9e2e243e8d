"""site.toml's publish targets: Mastodon, Bluesky, webhooks and e-mail, one test per rule."""

from __future__ import annotations

import pytest

from statusgen.config import load_config
from statusgen.errors import ProblemsError

HEAD = """\
title = "IT status"
base_url = "https://status.example.ac.uk/"
timezone = "Europe/London"
"""
"""Three lines: the tables under test start on line 4."""

ALL = """
[publish.mastodon]
enabled = true
instance = "https://mastodon.example.ac.uk/"
visibility = "unlisted"
account = "@itstatus@mastodon.example.ac.uk"
events = ["opened", "resolved"]

[publish.mastodon.templates]
opened = "{status}: {title} {link}"

[publish.bluesky]
enabled = true
handle = "@itstatus.example.ac.uk"

[[publish.webhooks]]
name = "teams-it"
format = "teams"
url_env = "TEAMS_IT_WEBHOOK_URL"

[[publish.webhooks]]
name = "slack-ops"
format = "slack"
token_env = "SLACK_BOT_TOKEN"
channel = "C0123"
templates = { news = "{title}" }

[[publish.webhooks]]
name = "json-feed"
format = "json"
url_env = "JSON_HOOK_URL"
secret_env = "JSON_HOOK_SECRET"
enabled = false

[publish.email]
enabled = true
to = ["it-status-announce@lists.example.ac.uk"]
from = "IT Services status <status@example.ac.uk>"
host = "smtp.example.ac.uk"
port = 587
security = "starttls"
"""


def problems(write_site, text: str) -> list[str]:
    root = write_site({"site.toml": HEAD + text})
    with pytest.raises(ProblemsError) as caught:
        load_config(root)
    return [str(p) for p in caught.value.problems]


def test_every_target_parses_into_the_model(write_site) -> None:
    publish = load_config(write_site({"site.toml": HEAD + ALL})).publish
    assert publish.mastodon.enabled
    assert publish.mastodon.instance == "https://mastodon.example.ac.uk"
    assert publish.mastodon.visibility == "unlisted"
    assert publish.mastodon.account == "itstatus@mastodon.example.ac.uk"
    assert publish.mastodon.events == ("opened", "resolved")
    assert dict(publish.mastodon.templates) == {"opened": "{status}: {title} {link}"}
    assert publish.bluesky.handle == "itstatus.example.ac.uk"
    assert publish.bluesky.service == "https://bsky.social"
    # the disabled webhook keeps its place (problems count items in the file), off
    assert [(h.name, h.format, h.enabled) for h in publish.webhooks] == [
        ("teams-it", "teams", True),
        ("slack-ops", "slack", True),
        ("json-feed", "json", False),
    ]
    slack = publish.webhooks[1]
    assert (slack.token_env, slack.channel, slack.url_env) == ("SLACK_BOT_TOKEN", "C0123", "")
    assert dict(slack.templates) == {"news": "{title}"}
    assert publish.email.to == ("it-status-announce@lists.example.ac.uk",)
    assert publish.email.sender == "IT Services status <status@example.ac.uk>"
    assert (publish.email.host, publish.email.port, publish.email.security) == (
        "smtp.example.ac.uk",
        587,
        "starttls",
    )


def test_http_only_for_this_machine(write_site) -> None:
    text = '[publish.mastodon]\nenabled = true\ninstance = "http://mastodon.example.ac.uk"\n'
    assert problems(write_site, text) == [
        "site.toml:6: publish.mastodon.instance: 'http://mastodon.example.ac.uk' is not an "
        "https:// address (like https://mastodon.example.ac.uk; http only for 127.0.0.1)"
    ]
    local = '[publish.bluesky]\nhandle = "a.example.org"\nservice = "http://127.0.0.1:2583"\n'
    config = load_config(write_site({"site.toml": HEAD + local}))
    assert config.publish.bluesky.service == "http://127.0.0.1:2583"


def test_an_enabled_target_needs_its_address(write_site) -> None:
    text = "[publish.mastodon]\nenabled = true\n[publish.bluesky]\nenabled = true\n"
    assert problems(write_site, text) == [
        "site.toml:4: publish.mastodon.instance: missing (add a line like "
        'instance = "https://mastodon.example.ac.uk")',
        "site.toml:6: publish.bluesky.handle: missing (add a line like "
        'handle = "itstatus.example.ac.uk")',
    ]


def test_unknown_events_and_template_names_suggest(write_site) -> None:
    text = (
        '[publish.bluesky]\nhandle = "a.example.org"\nevents = ["opened", "resolvd"]\n'
        '[publish.bluesky.templates]\nopend = "{title}"\n'
    )
    assert problems(write_site, text) == [
        "site.toml:6: publish.bluesky.events: unknown event 'resolvd' (did you mean 'resolved'?)",
        "site.toml:8: publish.bluesky.templates.opend: unknown event (did you mean 'opened'?)",
    ]


def test_visibility_and_security_choices(write_site) -> None:
    text = (
        '[publish.mastodon]\ninstance = "https://m.example.org"\nvisibility = "private"\n'
        '[publish.email]\nto = ["a@example.org"]\nfrom = "b@example.org"\n'
        'host = "smtp.example.org"\nsecurity = "none"\n'
    )
    assert problems(write_site, text) == [
        'site.toml:6: publish.mastodon.visibility: \'private\' is not "public" or "unlisted"',
        'site.toml:11: publish.email.security: "none" sends mail unencrypted: only for '
        '127.0.0.1 (use "starttls" for smtp.example.org)',
    ]
    local = text.replace("smtp.example.org", "127.0.0.1").replace('"private"', '"public"')
    assert load_config(write_site({"site.toml": HEAD + local})).publish.email.security == "none"


def test_email_addresses(write_site) -> None:
    text = '[publish.email]\nenabled = true\nto = []\nfrom = "status"\nhost = "smtp.example.org"\n'
    assert problems(write_site, text) == [
        "site.toml:6: publish.email.to: is empty (list at least one address)",
        "site.toml:7: publish.email.from: 'status' is not an e-mail address "
        '(like "IT status <status@example.ac.uk>")',
    ]
    text = text.replace("to = []", 'to = ["ok@example.org", "not an address"]')
    assert problems(write_site, text)[0] == (
        "site.toml:6: publish.email.to: item 2 is not an e-mail address "
        '(like "it-status@lists.example.ac.uk")'
    )


def test_webhook_names_are_unique_slugs_and_not_another_targets(write_site) -> None:
    hook = '[[publish.webhooks]]\nname = "{}"\nformat = "json"\nurl_env = "HOOK_URL"\n'
    text = "".join(hook.format(n) for n in ("ops", "ops", "Teams IT", "email"))
    assert problems(write_site, text) == [
        "site.toml:9: publish.webhooks[2].name: 'ops' is used by an earlier webhook "
        "(names must be unique)",
        "site.toml:13: publish.webhooks[3].name: 'Teams IT' may hold only a-z, 0-9 and - "
        "(like 'teams-it')",
        "site.toml:17: publish.webhooks[4].name: 'email' is another target's name "
        "(pick one like email-hook)",
    ]


SECRET_URL = "https://prod.example.webhook.office.com/workflows/SENTINEL-SIG"


def test_a_url_pasted_into_url_env_is_a_problem_that_does_not_repeat_it(write_site) -> None:
    text = f'[[publish.webhooks]]\nname = "teams-it"\nformat = "teams"\nurl_env = "{SECRET_URL}"\n'
    found = problems(write_site, text)
    assert found == [
        "site.toml:7: publish.webhooks[1].url_env: looks like the secret itself (a URL or "
        "token), not repeated here (remove it from site.toml, rotate it, and name the CI "
        "secret here, like TEAMS_IT_WEBHOOK_URL)"
    ]
    assert "SENTINEL" not in "".join(found)


def test_webhook_keys_belong_to_their_format(write_site) -> None:
    text = (
        '[[publish.webhooks]]\nname = "a"\nformat = "teams"\nurl_env = "A_URL"\n'
        'secret_env = "A_KEY"\n'
        '[[publish.webhooks]]\nname = "b"\nformat = "slak"\nurl_env = "B_URL"\n'
        '[[publish.webhooks]]\nname = "c"\nformat = "slack"\ntoken_env = "C_TOKEN"\n'
    )
    assert problems(write_site, text) == [
        'site.toml:8: publish.webhooks[1].secret_env: only a format = "json" webhook is '
        "signed (remove it)",
        'site.toml:11: publish.webhooks[2].format: \'slak\' is not "teams", "slack" or '
        "\"json\" (did you mean 'slack'?)",
        "site.toml:13: publish.webhooks[3].channel: missing: a Slack bot token needs both "
        "token_env and channel",
    ]


def test_unknown_keys_in_a_target_suggest(write_site) -> None:
    text = '[publish.mastodon]\ninstanse = "https://m.example.org"\n'
    assert problems(write_site, text) == [
        "site.toml:5: publish.mastodon.instanse: unknown key (did you mean 'instance'?)"
    ]


@pytest.mark.parametrize(
    "address",
    [
        "https://social.example.ac.uk",
        "http://127.0.0.1:3000",
        "http://localhost:3000",
        "http://[::1]:3000",
        "http://social.example.ac.uk",
        "https://",
        "ftp://social.example.ac.uk",
    ],
)
def test_check_and_publish_accept_the_same_addresses(write_site, address: str) -> None:
    """One rule (`urls.secure_or_local`): an address check accepts is one the
    target connects to, and one check refuses the target refuses too."""
    from statusgen.model import BlueskyConfig, MastodonConfig
    from statusgen.publish.targets import PermanentError
    from statusgen.publish.targets.bluesky import BlueskyTarget
    from statusgen.publish.targets.mastodon import MastodonTarget

    text = f'[publish.mastodon]\nenabled = true\ninstance = "{address}"\n'
    try:
        load_config(write_site({"site.toml": HEAD + text}))
        checked = True
    except ProblemsError:
        checked = False
    connects = []
    env = {"MASTODON_ACCESS_TOKEN": "t" * 20, "BLUESKY_APP_PASSWORD": "p" * 20}
    for make in (
        lambda: MastodonTarget.from_config(MastodonConfig(True, address), env),
        lambda: BlueskyTarget.from_config(BlueskyConfig(True, "a.example.org", address), env),
    ):
        try:
            make()
            connects.append(True)
        except PermanentError:
            connects.append(False)
    assert connects == [checked, checked]


def test_a_webhook_after_a_disabled_one_is_named_by_its_place_in_the_file(
    write_site, capsys
) -> None:
    """The nth [[publish.webhooks]] of the file, whether the ones before it are on."""
    from statusgen import cli

    text = (
        '[[publish.webhooks]]\nname = "old"\nformat = "teams"\nurl_env = "OLD_URL"\n'
        "enabled = false\n\n"
        '[[publish.webhooks]]\nname = "ops"\nformat = "teams"\nurl_env = "OPS_URL"\n'
        'templates = { opened = "{status}: {titel}" }\n'
    )
    root = write_site({"site.toml": HEAD + text})
    assert cli.main(["--site", str(root), "check"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if "publish.webhooks" in line] == [
        "site.toml: publish.webhooks[2].templates.opened: unknown placeholder {titel} "
        "(known: {status}, {title}, {services}, {message}, {link}, {reference}, {summary}, "
        "{window})"
    ]
    channels_of = load_config(root).publish.webhooks
    assert [(h.name, h.enabled) for h in channels_of] == [("old", False), ("ops", True)]
