"""Post texts: templates, fitting X's weighted limit, post_text, privacy."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from types import MappingProxyType

import pytest
from conftest import NOW, at, make_config, make_site

from statusgen.config import TEMPLATE_EVENTS
from statusgen.manifest import build_manifest
from statusgen.model import (
    AffectedService,
    Impact,
    IncidentStatus,
    PrivacyConfig,
    PublishConfig,
    Service,
    Site,
    Source,
    Update,
    XConfig,
)
from statusgen.publish.compose import (
    ELLIPSIS,
    PostRefused,
    compose,
    post_text_problems,
    template_problems,
)
from statusgen.publish.diff import FIRST, Event, EventKind, event_for
from statusgen.publish.weighted import parse_tweet
from statusgen.rules import compile_rule
from statusgen.status import derive

VPN = "incidents/2026-11-24-vpn-slow"
VPN_LINK = "https://status.example.ac.uk/incidents/2026-11-24-vpn-slow/"
VPN_SOURCE = "content/incidents/2026-11-24-vpn-slow.md"


def event(site: Site, ref: str = VPN, key: str = FIRST) -> Event:
    record = build_manifest(site, derive(site, NOW), None).entry(ref)
    assert record is not None
    found = event_for(record, key)
    assert found is not None
    return found


def with_vpn(site: Site, **changes: object) -> Site:
    return replace(site, incidents=(replace(site.incidents[0], **changes), *site.incidents[1:]))


def weighted(text: str) -> int:
    return parse_tweet(text).weightedLength


def assert_fits(text: str, link: str = VPN_LINK) -> None:
    assert weighted(text) <= 280, (weighted(text), text)
    assert text.endswith(link)


# --- default templates ----------------------------------------------------------------


def test_opened() -> None:
    post = compose(event(make_site()), make_config())
    assert post.text == (
        "Identified: VPN connections slow & dropping <sometimes>\n"
        "Affected: VPN\n"
        "A faulty licence server is the cause.\n" + VPN_LINK
    )
    assert post.reply_to_entry is False
    assert post.length == weighted(post.text)


def test_update_replies_to_the_thread() -> None:
    site = make_site()
    post = compose(event(site, key="update:2"), site.config)
    assert post.text == (
        "Update on VPN connections slow & dropping <sometimes> (VPN)\n"
        "Identified: A faulty licence server is the cause."  # no link: X bills it
    )
    assert post.reply_to_entry is True


def test_resolved() -> None:
    site = make_site()
    post = compose(
        event(site, "incidents/2026-11-22-email-delays", "resolved"),
        site.config,
    )
    assert post.text == (
        "Resolved: Email delivery delays (Email and Webmail)\nEmail is flowing normally."
    )
    assert post.reply_to_entry is True


def test_a_postmortem_update_replies_as_a_post_incident_review() -> None:
    site = make_site()
    email = site.incidents[1]
    review = Update(at("2026-11-23 10:00"), IncidentStatus.POSTMORTEM, "The queue limit is raised.")
    site = replace(
        site,
        incidents=(
            site.incidents[0],
            replace(email, updates=(*email.updates, review)),
            *site.incidents[2:],
        ),
    )
    post = compose(event(site, "incidents/2026-11-22-email-delays", "update:4"), site.config)
    assert post.text == (
        "Update on Email delivery delays (Email and Webmail)\n"
        "Post-incident review: The queue limit is raised."
    )
    assert post.reply_to_entry is True


def test_resolved_without_update_drops_the_empty_message_line() -> None:
    site = with_vpn(make_site(), resolved=at("2026-11-24 11:30"))
    post = compose(event(site, key="resolved"), site.config)
    assert post.text == "Resolved: VPN connections slow & dropping <sometimes> (VPN)"


def test_scheduled_maintenance() -> None:
    post = compose(event(make_site(), "incidents/2026-11-29-wifi-upgrade"), make_config())
    assert post.text == (
        "Scheduled maintenance: Wi-Fi controller upgrade\n"
        "When: Sun 29 Nov 2026, 06:00–08:00 GMT\n"
        "Affected: VPN and Wi-Fi\n"
        "https://status.example.ac.uk/incidents/2026-11-29-wifi-upgrade/"
    )


def test_maintenance_update() -> None:
    site = make_site()
    key = "update:1"
    post = compose(event(site, "incidents/2026-11-24-email-patching", key), site.config)
    assert post.text == (
        "Update on Email server patching (Email)\nMaintenance in progress: Started."
    )


def test_news() -> None:
    post = compose(event(make_site(), "news/2026-11-20-mfa"), make_config())
    assert post.text == (
        "MFA for all staff\n"
        "From January every staff account needs MFA.\n"
        "https://status.example.ac.uk/news/2026-11-20-mfa/"
    )


def test_template_events_match_event_kinds() -> None:
    assert set(TEMPLATE_EVENTS) == {k.value for k in EventKind}


# --- fitting X's limit -----------------------------------------------------------------


LONG_MESSAGE = " ".join(f"word{n}" for n in range(200))


def test_long_message_is_cut_at_a_word_boundary() -> None:
    site = make_site()
    key = "update:2"
    updates = (
        site.incidents[0].updates[0],
        replace(site.incidents[0].updates[1], message=LONG_MESSAGE),
    )
    # Standing alone (no first post to reply to), so with the link to fit beside.
    post = compose(event(with_vpn(site, updates=updates), key=key), site.config, threaded=False)
    assert_fits(post.text)
    message = post.text.split("\n")[1].removeprefix("Identified: ")
    assert message.endswith(ELLIPSIS)
    kept = message.removesuffix(ELLIPSIS)
    assert LONG_MESSAGE.startswith(kept + " ")  # whole words only
    assert weighted(post.text) > 260  # cut no more than needed


def test_long_title_and_message() -> None:
    site = make_site()
    title = "Very long title " * 30
    updates = (replace(site.incidents[0].updates[0], message=LONG_MESSAGE),)
    post = compose(event(with_vpn(site, title=title, updates=updates)), site.config)
    assert_fits(post.text)
    first_line = post.text.split("\n")[0]
    assert first_line.startswith("Investigating: Very long title")
    assert first_line.endswith(ELLIPSIS)
    assert "Affected: VPN" in post.text


def test_cjk_weighs_two() -> None:
    site = make_site()
    title = "メールの配信が遅れています" * 3
    message = "現在、メールの受信に最大三十分の遅延が発生しております。" * 10
    updates = (replace(site.incidents[0].updates[0], message=message),)
    post = compose(event(with_vpn(site, title=title, updates=updates)), site.config)
    assert_fits(post.text)
    assert len(post.text) < weighted(post.text) - 60  # X counts far more than the characters
    assert ELLIPSIS in post.text
    assert post.text.split("\n")[0] == f"Investigating: {title}"


def test_emoji_weigh_two_and_are_never_split() -> None:
    site = make_site()
    family = "👨‍👩‍👧"
    message = " ".join([f"{family}🇬🇧⚠️"] * 100)
    updates = (replace(site.incidents[0].updates[0], message=message),)
    post = compose(event(with_vpn(site, updates=updates)), site.config)
    assert_fits(post.text)
    line = post.text.split("\n")[2]
    assert line.endswith(ELLIPSIS)
    kept = line.removesuffix(ELLIPSIS)
    assert kept.split(" ") == [f"{family}🇬🇧⚠️"] * len(kept.split(" "))


def test_cjk_without_spaces_is_cut_between_characters() -> None:
    site = make_site()
    message = "障害" * 300
    updates = (replace(site.incidents[0].updates[0], message=message),)
    post = compose(event(with_vpn(site, updates=updates)), site.config)
    assert_fits(post.text)
    assert re.search("(障害)+障?" + ELLIPSIS, post.text)


def many_services_site(count: int = 14) -> Site:
    extra = tuple(
        Service(f"svc-{n}", f"Research Data Storage Cluster {n}", "Research") for n in range(count)
    )
    config = make_config()
    config = replace(config, services=config.services + extra)
    site = make_site(config)
    affected = tuple(AffectedService(s.id, Impact.MAJOR_OUTAGE) for s in config.services)
    return with_vpn(site, services=affected)


def test_many_services_become_and_n_more() -> None:
    site = many_services_site()
    post = compose(event(site), site.config)
    assert_fits(post.text)
    affected = post.text.split("\n")[1]
    assert re.fullmatch(r"Affected: Email, Webmail, VPN(, [^,]+)* and \d+ more", affected), affected
    # the message went first, but it was short: it is still whole
    assert "A faulty licence server is the cause." in post.text


def test_message_is_cut_before_the_services() -> None:
    site = many_services_site(1)
    updates = (replace(site.incidents[0].updates[0], message=LONG_MESSAGE),)
    post = compose(event(with_vpn(site, updates=updates)), site.config)
    assert_fits(post.text)
    assert (
        "Affected: Email, Webmail, VPN, Wi-Fi, Printing and Research Data Storage Cluster 0\n"
        in post.text
    )
    assert " more" not in post.text.split("\n")[1]
    assert ELLIPSIS in post.text.split("\n")[2]


def test_a_link_in_the_text_counts_23() -> None:
    site = make_site()
    url = "https://www.example.ac.uk/" + "a" * 200
    updates = (replace(site.incidents[0].updates[0], message=f"See {url} for help."),)
    post = compose(event(with_vpn(site, updates=updates)), site.config)
    assert url in post.text  # nothing cut: 23 for the URL however long
    assert_fits(post.text)


# --- templates ---------------------------------------------------------------------------


def config_with(**publish: object) -> object:
    return make_config(publish=replace(PublishConfig(), **publish))


def test_template_override() -> None:
    config = config_with(templates=MappingProxyType({"opened": "{status} [{reference}] {title}"}))
    post = compose(event(make_site()), config)
    assert post.text == (
        "Identified [INC-1001] VPN connections slow & dropping <sometimes>\n" + VPN_LINK
    )


def test_template_with_link_in_the_middle_still_ends_with_it() -> None:
    config = config_with(templates=MappingProxyType({"opened": "{link} {title}"}))
    post = compose(event(make_site()), config)
    assert post.text.endswith("\n" + VPN_LINK)


def test_bad_template_is_refused_with_its_key() -> None:
    config = config_with(templates=MappingProxyType({"opened": "{title} {colour}"}))
    with pytest.raises(PostRefused) as caught:
        compose(event(make_site()), config)
    assert str(caught.value.problem).startswith(
        "site.toml: publish.templates.opened: unknown placeholder {colour} (known: {status}"
    )
    assert [str(p) for p in template_problems(config)] == [str(caught.value.problem)]


@pytest.mark.parametrize("template", ["{title.__class__}", "{}", "{title[0]}", "{title"])
def test_template_cannot_reach_attributes_or_break(template: str) -> None:
    config = config_with(templates=MappingProxyType({"news": template}))
    assert len(template_problems(config)) == 1
    with pytest.raises(PostRefused):
        compose(event(make_site(), "news/2026-11-20-mfa"), config)


def test_template_that_cannot_fit_is_refused() -> None:
    config = config_with(templates=MappingProxyType({"news": "x" * 300 + " {title}"}))
    with pytest.raises(PostRefused) as caught:
        compose(event(make_site(), "news/2026-11-20-mfa"), config)
    assert str(caught.value.problem).startswith("site.toml: publish.templates.news: the news post")


# --- post_text ---------------------------------------------------------------------------


def with_post_text(text: str, line: int = 7) -> Site:
    lines = MappingProxyType({"title": 2, "post_text": line, "updates[2].message": 12})
    return with_vpn(make_site(), post_text=text, source=Source(VPN_SOURCE, lines))


def test_post_text_overrides_the_first_post_and_gets_the_link() -> None:
    site = with_post_text("VPN is slow. We're on it.")
    post = compose(event(site), site.config)
    assert post.text == f"VPN is slow. We're on it.\n{VPN_LINK}"


def test_post_text_ending_with_the_link_is_sent_as_is() -> None:
    site = with_post_text(f"VPN trouble: {VPN_LINK}")
    assert compose(event(site), site.config).text == f"VPN trouble: {VPN_LINK}"


def test_post_text_is_only_the_first_post() -> None:
    site = with_post_text("VPN is slow. We're on it.")
    post = compose(event(site, key="update:2"), site.config)
    assert post.text.startswith("Update on VPN connections")


def test_post_text_that_does_not_fit_is_refused_not_cut() -> None:
    site = with_post_text("x" * 277)  # + newline + 23 for the link = 301
    with pytest.raises(PostRefused) as caught:
        compose(event(site), site.config)
    assert str(caught.value.problem) == (
        f"{VPN_SOURCE}:7: post_text: is 301 characters as X counts them (at most 280 with the link)"
    )


def enabled(site: Site, **privacy: object) -> Site:
    config = replace(
        site.config,
        publish=PublishConfig(x=XConfig(enabled=True)),
        privacy=PrivacyConfig(**privacy),
    )
    return replace(site, config=config)


def test_post_text_problems_for_check() -> None:
    site = with_post_text("x" * 277)
    expected = [
        f"{VPN_SOURCE}:7: post_text: is 301 characters as X counts them (at most 280 with the link)"
    ]
    # Checked whether or not posting to X is on today.
    assert [str(p) for p in post_text_problems(site)] == expected
    assert [str(p) for p in post_text_problems(enabled(site))] == expected
    assert post_text_problems(enabled(with_post_text("x" * 256))) == []


def test_post_text_problems_ignore_post_false() -> None:
    site = with_vpn(enabled(with_post_text("x" * 400)), post=False)
    assert post_text_problems(site) == []


def test_post_text_cjk_and_emoji_are_counted_as_x_does() -> None:
    problems = post_text_problems(enabled(with_post_text("障" * 128 + "😀")))  # 258+1+23 = 282
    assert [p.message for p in problems] == [
        "is 282 characters as X counts them (at most 280 with the link)"
    ]


# --- privacy -----------------------------------------------------------------------------


def test_privacy_refuses_and_names_the_update_line() -> None:
    site = with_post_text("", 7)
    updates = (
        site.incidents[0].updates[0],
        Update(at("2026-11-24 09:30"), IncidentStatus.IDENTIFIED, "Host srv-1042 is down."),
    )
    site = enabled(with_vpn(site, updates=updates), forbidden=(compile_rule(r"srv-[0-9]+"),))
    with pytest.raises(PostRefused) as caught:
        compose(event(site), site.config)
    assert str(caught.value.problem) == (
        f"{VPN_SOURCE}:12: updates[2].message: matches privacy.forbidden[1] ('srv-[0-9]+'): "
        "the post is not sent (remove the text)"
    )
    assert "srv-1042" not in str(caught.value)


def test_privacy_names_the_title() -> None:
    site = with_post_text("", 7)
    site = enabled(
        with_vpn(site, title="VPN srv-9 down"),
        forbidden=(compile_rule(r"x^"), compile_rule("srv-9")),
    )
    with pytest.raises(PostRefused) as caught:
        compose(event(site), site.config)
    assert str(caught.value.problem).startswith(
        f"{VPN_SOURCE}:2: title: matches privacy.forbidden[2]"
    )


def test_privacy_checks_post_text() -> None:
    site = enabled(
        with_post_text("See vpn.internal.example.ac.uk"), forbidden=(compile_rule(r"\.internal\."),)
    )
    with pytest.raises(PostRefused) as caught:
        compose(event(site), site.config)
    assert str(caught.value.problem).startswith(f"{VPN_SOURCE}:7: post_text: matches privacy")
    assert [p.field for p in post_text_problems(site)] == ["post_text"]


def test_text_cut_away_is_still_refused_since_the_fields_go_out_in_full() -> None:
    """Issue 14: a card or a mail is built from `post.fields`, uncut, so the
    privacy rules search them too (before, text cut away was not refused)."""
    site = make_site()
    updates = (replace(site.incidents[0].updates[0], message=LONG_MESSAGE + " srv-1"),)
    site = enabled(with_vpn(site, updates=updates), forbidden=(compile_rule(r"srv-[0-9]+"),))
    with pytest.raises(PostRefused) as caught:
        compose(event(site), site.config)
    assert caught.value.problem.field == "updates[1].message"


def test_cut_points_keep_graphemes_whole() -> None:
    site = make_site()
    message = "e\u0301" * 400  # combining accents
    updates = (replace(site.incidents[0].updates[0], message=message),)
    post = compose(event(with_vpn(site, updates=updates)), site.config)
    line = post.text.split("\n")[2]
    assert not line or not unicodedata.combining(line.removesuffix(ELLIPSIS)[:1] or "a")
