"""#10's fault cases on the other targets (issue 14): each numbered case of
test_publish_once.py on Mastodon (which can be read back and has an
Idempotency-Key), and on the JSON webhook and e-mail where reading back is
not needed, or to show what they do where it would be (at least once).

The services are those of test_publish_channels.py: real clients, mocked at
the HTTP layer, a real SMTP server on 127.0.0.1.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import LONDON, at, make_site
from test_publish_channels import (
    NOTHING,
    OTHERS,
    TARGETS,
    TITLE,
    VPN,
    VPN_LINK,
    WINDOW,
    Life,
    Services,
    build_step,
    expected,
    mocked_services,
    on,
    publish,
    sent,
    texts,
    threads,
)
from test_publish_once import empty, summer_incident, vpn_only
from test_publish_run import LIVE, build, deploy, ledger, with_vpn

from statusgen.errors import StatusgenError
from statusgen.manifest import LEDGER_PATH, MANIFEST_PATH
from statusgen.model import IncidentStatus, Site
from statusgen.publish.ledger import Ledger, PostRecord
from statusgen.publish.state import LOCK_NAME

MFA = "news/2026-11-20-mfa"


@pytest.fixture
def services() -> Iterator[Services]:
    yield from mocked_services()


def record_all(path: Path, ref: str, *keys: str, updates: int = 1) -> None:
    """A ledger that has posted `keys` of `ref` on every target but X."""
    book = Ledger(path=path)
    for name in OTHERS:
        for key in keys:
            book.record(
                ref, key, f"{name}-{key}", name, "2026-11-24T09:00:00+00:00", updates=updates
            )


def _timezone(tmp_path: Path) -> tuple[Path, Path, float]:
    site = make_site()
    live = build(tmp_path / "live", summer_incident(site, UTC))
    record_all(live / LEDGER_PATH, VPN, "first", "update:2", "resolved")
    return live, build(tmp_path / "out", summer_incident(site, LONDON)), 24.0 * 30


def _correction(tmp_path: Path) -> tuple[Path, Path, float]:
    site = vpn_only(make_site())
    live = build(tmp_path / "live", site)
    record_all(live / LEDGER_PATH, VPN, "first", updates=2)
    first, second = site.incidents[0].updates
    fixed = (
        replace(first, at=at("2026-11-24 08:20"), message="We are looking into it."),
        replace(second, status=IncidentStatus.MONITORING),
    )
    return live, build(tmp_path / "out", with_vpn(site, updates=fixed)), 24.0 * 30


def _draft(tmp_path: Path) -> tuple[Path, Path, float]:
    site = vpn_only(make_site())
    live = build(tmp_path / "live", empty(site))
    return live, build(tmp_path / "out", with_vpn(site, draft=True)), 24.0 * 30


def _embargoed() -> Site:
    site = make_site()
    future = replace(site.news[0], date=at("2026-11-24 18:00"))
    return replace(site, incidents=(), maintenances=(), news=(future,))


def _embargo(tmp_path: Path) -> tuple[Path, Path, float]:
    live = build(tmp_path / "live", empty(make_site()))
    return live, build(tmp_path / "out", _embargoed()), 24.0 * 30


def _max_age(tmp_path: Path) -> tuple[Path, Path, float]:
    site = make_site()
    only = replace(site, incidents=(), maintenances=(), news=site.news[:1])
    return build(tmp_path / "live", empty(site)), build(tmp_path / "out", only), 6.0


@pytest.mark.parametrize(
    ("case", "line"),
    [
        (_timezone, "nothing new to post"),  # 1: the time zone corrected
        (_correction, "nothing new to post"),  # 3: an update's time and status corrected
        (_draft, "nothing new to post"),  # 9: a draft built with --drafts
        (
            _embargo,  # 10: news before its time
            "held until 2026-11-24T18:00:00+00:00: news/2026-11-20-mfa (news) (not yet published)",
        ),
        (
            _max_age,  # older than publish.max_age
            "not posted news/2026-11-20-mfa (news): from 2026-11-20T09:00:00+00:00, older than "
            "publish.max_age (6 h)",
        ),
    ],
    ids=["1-timezone", "3-correction", "9-draft", "10-embargo", "max_age"],
)
def test_what_x_never_posts_no_other_target_posts_either(
    services: Services, tmp_path: Path, case, line: str
) -> None:
    live, out, max_age = case(tmp_path)
    cfg = on(services.port, *OTHERS, max_age=max_age)
    lines, error = publish(cfg, out, live)
    assert error is None, lines
    labels = ("Mastodon", "Bluesky", "teams-it (Teams)", "slack-it (Slack)", "ops (JSON)", "e-mail")
    for label in labels:
        assert f"{label}: {line}" in lines
    assert sent(services) == NOTHING
    assert services.pds["login"].call_count == 0  # nothing to send: no Bluesky login
    if case is _embargo:
        for name in OTHERS:
            assert ledger(out).view(name).pending == (("news/2026-11-20-mfa", "first"),)


def test_2_a_rename_keeps_each_targets_thread(services: Services, tmp_path: Path) -> None:
    site = vpn_only(make_site())
    live = build(tmp_path / "live", with_vpn(site, updates=site.incidents[0].updates[:1]))
    book = Ledger(path=live / LEDGER_PATH)
    firsts = {"mastodon": "m100", "email": "<first@example.ac.uk>", "ops": f"{VPN}#first"}
    for name, first in firsts.items():
        book.record(VPN, "first", first, name, "2026-11-24T08:20", updates=1)
    renamed = with_vpn(site, id="2026-11-24-vpn-slow-down")  # the slug fixed, and an update
    out = build(tmp_path / "out", renamed)
    lines, error = publish(on(services.port, *firsts), out, live)
    assert error is None, lines
    fixed = "incidents/2026-11-24-vpn-slow-down"
    assert lines[1].startswith(f"renamed {VPN} to {fixed}: its posts and thread move with it")
    assert sent(services) == {**NOTHING, "mastodon": 1, "ops": 1, "email": 1}
    assert threads(services, "mastodon") == ["m100"]
    assert threads(services, "ops") == [f"{VPN}#first"]
    assert threads(services, "email") == [("<first@example.ac.uk>",) * 2]
    for name, first in firsts.items():
        assert ledger(out).view(name).first_post(fixed) == first


def test_4_a_failed_deploy_sends_nothing_twice_from_the_same_machine(
    services: Services, tmp_path: Path
) -> None:
    site = Life(tmp_path, on(services.port, *OTHERS))
    assert site.step(1, deploy_after=False)[1] is None  # the deploy fails: live stays old
    lines, error = site.step(2)
    assert error is None, lines
    assert sent(services) == dict.fromkeys(TARGETS, 3) | {"x": 0}  # two firsts, one update
    for name in OTHERS:
        assert texts(services, name) == expected()[:3], name


def test_4_a_stale_live_site_on_a_fresh_machine(services: Services, tmp_path: Path) -> None:
    """Mastodon reads its statuses back: nothing twice. Targets that cannot be read
    back get the message again, with the same Message-ID and Idempotency-Key, so
    that a mail client or a receiver can drop it (README says so)."""
    site = Life(tmp_path, on(services.port, "mastodon", "ops", "email"))
    assert site.step(1, deploy_after=False)[1] is None
    lines, error = site.step(2, state_dir=tmp_path / "fresh-machine")
    assert error is None, lines
    assert f"Mastodon: already on Mastodon, recorded: {VPN} (opened): id m1" in lines
    assert f"Mastodon: already on Mastodon, recorded: {WINDOW} (scheduled): id m2" in lines
    assert texts(services, "mastodon") == expected()[:3]
    assert threads(services, "mastodon")[2] == "m1"
    # Sent again, as new to them: the first posts as they now read, with the keys and
    # Message-IDs they had.
    now = f"Identified: {TITLE}\nAffected: VPN\nA faulty licence server is the cause.\n{VPN_LINK}"
    again = [*expected()[:2], now, expected()[1]]
    assert texts(services, "ops") == texts(services, "email") == again
    keys = [g["headers"]["Idempotency-Key"] for g in services.got["ops"]]
    assert keys[:2] == keys[2:] and len(set(keys)) == 2
    ids = [m["Message-ID"] for m in services.mails()]
    assert ids[:2] == ids[2:] and len(set(ids)) == 2


def test_5_a_second_run_at_once_sends_nothing(services: Services, tmp_path: Path) -> None:
    site = vpn_only(make_site())
    live, out = build(tmp_path / "live", empty(site)), build(tmp_path / "out", site)
    lock = tmp_path / "state" / LOCK_NAME
    lock.parent.mkdir()
    with lock.open("a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # the first run, still going
        with pytest.raises(StatusgenError, match="another statusgen publish of this site"):
            publish(on(services.port, "mastodon", "email"), out, live)
    assert sent(services) == NOTHING
    assert not (out / LEDGER_PATH).exists()


def test_6_a_404_with_a_ledger_sends_nothing_anywhere(services: Services, tmp_path: Path) -> None:
    out = build(tmp_path / "public", make_site())
    held = Ledger(
        [PostRecord(VPN, "first", "m600", "mastodon", "t", 2)], pending=[(MFA, "first", "email")]
    )
    services.http.get(LIVE + MANIFEST_PATH, status=404)
    services.http.get(LIVE + LEDGER_PATH, body=held.to_bytes())
    _, error = publish(on(services.port, *OTHERS), out, LIVE)  # type: ignore[arg-type]
    assert str(error).startswith(f"no build manifest at {LIVE}, but the post ledger holds 1 post")
    assert sent(services) == NOTHING
    assert ledger(out).view("mastodon").first_post(VPN) == "m600"
    assert ledger(out).view("email").pending == ((MFA, "first"),)


def test_6_a_target_switched_off_keeps_its_pending_posts(
    services: Services, tmp_path: Path
) -> None:
    site = Life(tmp_path, on(services.port, "mastodon", "email"))
    services.down["mastodon"] = (503, "down")
    assert "Mastodon: 2 posts not sent" in str(site.step(1)[1])
    del services.down["mastodon"]
    site.cfg = on(services.port, "email")  # switched off while it is down
    lines, error = site.step(2)
    assert error is None, lines
    assert ledger(site.last).view("mastodon").pending == ((VPN, "first"), (WINDOW, "first"))
    site.cfg = on(services.port, "mastodon", "email")
    lines, error = site.step(3, state_dir=tmp_path / "another-machine")
    assert error is None, lines
    # Its two first posts, the incident's as it now reads; not the update it tells too.
    assert [g["text"].split("\n")[0] for g in services.got["mastodon"]] == [
        f"Monitoring: {TITLE}",
        "Scheduled maintenance: VPN upgrade",
    ]
    assert len(services.mails()) == 4


def test_7_refused_for_good_on_mastodon_then_retry(services: Services, tmp_path: Path) -> None:
    site = Life(tmp_path, on(services.port, "mastodon", "email"))
    services.refuse.add("mastodon")  # the incident's opening, first in time
    lines, error = site.step(1)
    assert str(error) == "Mastodon: 1 post refused (see above)"
    assert lines[1] == (
        f"Mastodon: refused by Mastodon: {VPN} (opened): Mastodon refused the post (422 "
        "Unprocessable Entity: Validation failed: Text is too long) (not retried; to send it "
        f"again: statusgen publish --retry {VPN}#first)"
    )
    assert texts(services, "mastodon") == expected()[1:2]
    assert len(services.mails()) == 2  # e-mail was not held up
    out = build_step(tmp_path / "again", 1)
    lines, error = publish(site.cfg, out, site.live, retry=[VPN])
    assert error is None, lines
    assert lines[1:3] == [
        f"retrying {VPN}#first",
        "Mastodon: posted incidents/2026-11-24-vpn-slow (opened): id m2",
    ]
    assert len(services.mails()) == 2
    assert ledger(out).refused == ()


def test_8_a_503_after_mastodon_made_the_status_gets_it_back_by_its_key(
    services: Services, tmp_path: Path
) -> None:
    site = Life(tmp_path, on(services.port, "mastodon", "ops"))
    services.created_then = 1  # Mastodon made the incident's status, then answered 503
    services.refuse.add("ops")  # the receiver took the first message, then timed out
    lines, error = site.step(1)
    assert error is None, lines
    assert f"Mastodon: posted {VPN} (opened): id m1" in lines
    assert texts(services, "mastodon") == expected()[:2]  # made once: the retry had its key
    # A JSON receiver gets it twice, with the same Idempotency-Key to drop the second.
    ops = services.got["ops"]
    assert [g["id"] for g in ops] == [f"{VPN}#first", f"{VPN}#first", f"{WINDOW}#first"]
    assert ops[0]["headers"]["Idempotency-Key"] == ops[1]["headers"]["Idempotency-Key"]
    assert site.step(2)[1] is None
    assert threads(services, "mastodon")[-1] == "m1"


@pytest.mark.parametrize(
    ("name", "after"),
    [
        ("mastodon", "the next run finds it on the account"),
        ("email", "the next run sends it again: e-mail cannot be read back"),
    ],
)
def test_8_a_full_disk_while_recording(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, after: str
) -> None:
    site = Life(tmp_path, on(services.port, name))
    assert site.step(1)[1] is None
    real = Ledger.save

    def full(self: Ledger) -> None:
        if self.view(name).has(VPN, "update:2"):
            raise OSError(28, "No space left on device")
        real(self)

    monkeypatch.setattr(Ledger, "save", full)
    lines, error = site.step(2, deploy_after=False)
    label = "Mastodon" if name == "mastodon" else "e-mail"
    assert str(error) == f"{label}: 1 post sent but not recorded ({after})"
    assert lines[-1] == f"{label}: cannot write the post ledger (No space left on device): stopping"
    monkeypatch.setattr(Ledger, "save", real)
    assert ledger(site.last).view(name).pending == ((VPN, "update:2"),)
    # The next run, once the disk has room: Mastodon lists the reply; e-mail, which
    # cannot be read back, sends it again with the same Message-ID.
    lines, error = publish(site.cfg, site.last, site.live)
    assert error is None, lines
    if name == "mastodon":
        assert lines[-1] == f"Mastodon: already on Mastodon, recorded: {VPN} (updated): id m3"
        assert texts(services, name) == expected()[:3]
        return
    assert texts(services, name) == [*expected()[:3], expected()[2]]
    mails = services.mails()
    assert mails[2]["Message-ID"] == mails[3]["Message-ID"]


def test_a_full_disk_on_one_target_is_reported_by_the_next_not_a_crash(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = Life(tmp_path, on(services.port, "mastodon", "email"))
    real = Ledger.save

    def full(self: Ledger) -> None:
        if self.view("mastodon").has(VPN, "first"):  # the disk fills up with Mastodon's post
            raise OSError(28, "No space left on device")
        real(self)

    monkeypatch.setattr(Ledger, "save", full)
    lines, error = site.step(1, deploy_after=False)
    assert (
        lines[-1] == "e-mail: cannot write the post ledger (No space left on device): nothing sent"
    )
    assert str(error) == (
        "Mastodon: 1 post not sent: No space left on device (a re-run sends them); "
        "Mastodon: 1 post sent but not recorded (the next run finds it on the account); "
        "e-mail: cannot write the post ledger (No space left on device); 2 posts not sent"
    )
    assert services.mails() == []  # nothing sent that no ledger would know was due
    monkeypatch.setattr(Ledger, "save", real)
    lines, error = site.step(1)
    assert error is None, lines
    assert texts(services, "mastodon") == texts(services, "email") == expected()[:2]


class Killed(BaseException):
    """The CI job killed (a timeout, a cancelled pipeline)."""


@pytest.mark.parametrize("name", ["mastodon", "ops", "email"])
def test_8_killed_between_post_and_record(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    site = Life(tmp_path, on(services.port, "mastodon", "ops", "email"))
    real = Ledger.record

    def killed(self: Ledger, entry: str, event: str, post_id, target: str, *a, **k):
        if target == name:
            raise Killed()
        return real(self, entry, event, post_id, target, *a, **k)

    monkeypatch.setattr(Ledger, "record", killed)
    with pytest.raises(Killed):
        site.step(1, deploy_after=False)
    monkeypatch.setattr(Ledger, "record", real)
    deploy(site.last, site.live)  # the ledger as the killed run left it: pending
    lines, error = site.step(2)
    assert error is None, lines
    if name == "mastodon":
        # Read back: found and recorded, the update threads under it; nothing twice.
        assert f"Mastodon: already on Mastodon, recorded: {VPN} (opened): id m1" in lines
        assert texts(services, name) == expected()[:3]
        assert threads(services, name)[2] == "m1"
        return
    # Cannot be read back: the first message again (as the entry now reads), with the
    # key it had; the update it tells is no message of its own.
    now = f"Identified: {TITLE}\nAffected: VPN\nA faulty licence server is the cause.\n{VPN_LINK}"
    assert texts(services, name) == [expected()[0], now, expected()[1]]
    if name == "ops":
        keys = [g["headers"]["Idempotency-Key"] for g in services.got["ops"]]
        assert keys[0] == keys[1] != keys[2]
    else:
        ids = [m["Message-ID"] for m in services.mails()]
        assert ids[0] == ids[1] != ids[2]


def test_10_embargoed_news_goes_to_every_target_once_its_time_comes(
    services: Services, tmp_path: Path
) -> None:
    live, out, max_age = _embargo(tmp_path)
    cfg = on(services.port, *OTHERS, max_age=max_age)
    assert publish(cfg, out, live)[1] is None
    assert sent(services) == NOTHING
    deploy(out, live)
    again = build(tmp_path / "out2", _embargoed())  # the next run, after 18:00
    lines, error = publish(cfg, again, live, at=datetime(2026, 11, 24, 18, 5, tzinfo=UTC))
    assert error is None, lines
    assert sent(services) == {**dict.fromkeys(OTHERS, 1), "x": 0}
    news = "MFA for all staff\nFrom January every staff account needs MFA.\n"
    for name in OTHERS:
        assert texts(services, name)[0].startswith(news), name
