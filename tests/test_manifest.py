"""The build manifest: everything publish needs, stable bytes, strict reading."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from types import MappingProxyType

import pytest
from conftest import NOW, at, make_site

from statusgen import jsontext
from statusgen.errors import StatusgenError
from statusgen.manifest import (
    LEDGER_PATH,
    MANIFEST_PATH,
    MANIFEST_VERSION,
    EntryRecord,
    Manifest,
    _with_sequence,
    build_manifest,
    windows_of,
)
from statusgen.model import EntryKind, Site, Source
from statusgen.status import derive


def manifest_of(site: Site, previous: Manifest | None = None, now=NOW) -> Manifest:
    return build_manifest(site, derive(site, now), previous)


def entry(manifest: Manifest, ref: str) -> EntryRecord:
    record = manifest.entry(ref)
    assert record is not None, ref
    return record


def test_paths_are_inside_the_output_folder() -> None:
    assert MANIFEST_PATH == "_statusgen/manifest.json"
    assert LEDGER_PATH == "_statusgen/ledger.json"


def test_every_entry_is_recorded_with_a_unique_ref() -> None:
    manifest = manifest_of(make_site())
    refs = [e.ref for e in manifest.entries]
    assert refs == sorted(refs)
    assert set(refs) == {
        "incidents/2026-11-24-vpn-slow",
        "incidents/2026-11-22-email-delays",
        "incidents/2026-10-25-wifi-dst",
        "incidents/2026-11-29-wifi-upgrade",
        "incidents/2026-11-24-email-patching",
        "incidents/2026-11-01-printing-upgrade",
        "news/2026-11-20-mfa",
        "news/2026-09-01-welcome",
    }
    assert manifest.base_url == "https://status.example.ac.uk/"
    assert manifest.built_at == "2026-11-24T12:00:00+00:00"


def test_incident_record_holds_what_a_post_needs() -> None:
    record = entry(manifest_of(make_site()), "incidents/2026-11-22-email-delays")
    assert record.kind is EntryKind.INCIDENT
    assert record.title == "Email delivery delays"
    assert record.link == "https://status.example.ac.uk/incidents/2026-11-22-email-delays/"
    assert record.services == ("Email", "Webmail")
    assert record.status == "resolved"
    assert record.impact == "major_outage"
    assert record.resolved == "2026-11-22T11:15:00+00:00"
    assert record.source == "content/incidents/2026-11-22-email-delays.md"
    assert [(u.status, u.message) for u in record.updates] == [
        ("investigating", "Incoming email is delayed."),
        ("monitoring", "A fix is in place."),
        ("resolved", "Email is flowing normally."),
    ]
    assert record.updates[0].key == "2026-11-22T08:45:00+00:00/investigating"
    assert len(record.digest) == 64


def test_update_messages_are_plain_text_and_lines_travel() -> None:
    record = entry(manifest_of(make_site()), "incidents/2026-11-24-vpn-slow")
    assert record.updates[-1].message == "A faulty licence server is the cause."
    assert record.status == "identified"
    assert record.reference == "INC-1001"
    assert record.line_of("title") == 2


def test_services_are_in_catalogue_order() -> None:
    record = entry(manifest_of(make_site()), "incidents/2026-11-29-wifi-upgrade")
    # front-matter says (wifi, vpn); the catalogue lists VPN first
    assert record.services == ("VPN", "Wi-Fi")


def test_maintenance_status_is_its_state_at_build_time() -> None:
    manifest = manifest_of(make_site())
    assert entry(manifest, "incidents/2026-11-29-wifi-upgrade").status == "scheduled"
    assert entry(manifest, "incidents/2026-11-24-email-patching").status == "in_progress"
    assert entry(manifest, "incidents/2026-11-01-printing-upgrade").status == "completed"
    window = entry(manifest, "incidents/2026-11-29-wifi-upgrade")
    assert (window.start, window.end) == ("2026-11-29T06:00:00+00:00", "2026-11-29T08:00:00+00:00")


def test_news_record() -> None:
    record = entry(manifest_of(make_site()), "news/2026-11-20-mfa")
    assert record.kind is EntryKind.NEWS
    assert record.status == "published"
    assert record.summary == "From January every staff account needs MFA."
    assert record.services == ()
    assert record.link == "https://status.example.ac.uk/news/2026-11-20-mfa/"


def test_post_false_entries_are_in_the_manifest_as_baseline() -> None:
    site = make_site()
    quiet = replace(site.news[0], post=False, post_text="Hand written")
    site = replace(site, news=(quiet, site.news[1]))
    record = entry(manifest_of(site), "news/2026-11-20-mfa")
    assert record.post is False
    assert record.post_text == "Hand written"


def test_bytes_are_deterministic_and_round_trip() -> None:
    site = make_site()
    first = manifest_of(site).to_bytes()
    assert manifest_of(site).to_bytes() == first
    parsed = Manifest.from_bytes(first)
    assert parsed == manifest_of(site)
    assert parsed.to_bytes() == first
    assert json.loads(first)["version"] == MANIFEST_VERSION


HOSTILE = 'a<b>&"\\ \u2028\u2029 é \x01 {{ x }} \U0001f600'
"""Every character JSON escapes, and those the HTML-safe writer escapes too."""


def test_the_file_is_what_the_json_module_writes_for_the_same_data() -> None:
    # The manifest has one encoder (per record, joined); the json module, with
    # the writer every other JSON file uses, is the independent reference.
    site = make_site()
    odd = replace(site.incidents[0], title=HOSTILE, reference=HOSTILE, post_text=HOSTILE)
    news = replace(site.news[0], summary=HOSTILE, title=HOSTILE)
    site = replace(
        site,
        config=replace(site.config, base_url="https://status.example.ac.uk/<sub>/"),
        incidents=(odd, *site.incidents[1:]),
        news=(news, *site.news[1:]),
    )
    first = manifest_of(site)
    manifest = manifest_of(site, replace(first, entries=first.entries[:3]))
    data = json.loads(manifest.to_bytes())
    assert manifest.to_bytes() == jsontext.dump(data, indent=1, sort_keys=True)
    assert b"<" not in manifest.to_bytes() and b"\xe2\x80\xa8" not in manifest.to_bytes()
    assert sum(e["title"] == HOSTILE for e in data["entries"]) == 2
    empty = manifest_of(replace(site, incidents=(), maintenances=(), news=()))
    assert empty.to_bytes() == jsontext.dump(json.loads(empty.to_bytes()), indent=1, sort_keys=True)


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"b": [1, True, False, None, "x"], "a": {"z": [], "y": {}}, "c": -3},
        [[[HOSTILE]], {"k": HOSTILE}],
        HOSTILE,
    ],
)
def test_indented_writes_what_dump_writes(value: object) -> None:
    expected = jsontext.dump(value, indent=1, sort_keys=True).decode()[:-1]
    assert jsontext.indented(value) == expected
    # Placed two levels deep, only the line starts move.
    assert jsontext.indented(value, 2) == expected.replace("\n", "\n  ")


def test_indented_refuses_what_is_not_plain_data() -> None:
    with pytest.raises(TypeError, match="not plain JSON data: float"):
        jsontext.indented({"a": 1.5})


def test_windows_of_a_manifest_carry_their_sequences() -> None:
    site = make_site()
    moved = TestSequence().window(site, start=at("2026-11-29 07:00"))
    second = manifest_of(moved, manifest_of(site))
    windows = windows_of(second)
    assert windows[TestSequence.REF][0] == "maintenance"
    assert windows[TestSequence.REF][4] == 1
    assert all(ref.startswith("incidents/") for ref in windows)
    assert windows_of(None) == {}


def test_lines_round_trip() -> None:
    site = make_site()
    lines = MappingProxyType({"title": 2, "post_text": 9, "updates[1].message": 12, "body": 20})
    news = replace(site.news[0], source=Source("content/news/2026-11-20-mfa.md", lines))
    site = replace(site, news=(news, site.news[1]))
    manifest = manifest_of(site)
    record = entry(Manifest.from_bytes(manifest.to_bytes()), "news/2026-11-20-mfa")
    assert record.line_of("post_text") == 9
    assert record.line_of("updates[1].message") == 12
    assert record.line_of("body") is None  # never quoted in a post


def test_digest_follows_content() -> None:
    site = make_site()
    before = entry(manifest_of(site), "news/2026-11-20-mfa").digest
    news = replace(site.news[0], summary="Changed.")
    changed = replace(site, news=(news, site.news[1]))
    assert entry(manifest_of(changed), "news/2026-11-20-mfa").digest != before
    # Shown on the page but not carried by the record: the digest follows them too.
    for edit in ({"body": "Set it up **today**."}, {"tags": ("security", "mfa")}):
        news = replace(site.news[0], **edit)
        changed = replace(site, news=(news, site.news[1]))
        assert entry(manifest_of(changed), "news/2026-11-20-mfa").digest != before, edit


def test_digest_ignores_the_file_bytes() -> None:
    """The bytes hold internal_notes: the private cache key may follow them, the
    published digest must not."""
    site = make_site()
    before = entry(manifest_of(site), "news/2026-11-20-mfa").digest
    source = replace(site.news[0].source, digest="abc")
    touched = replace(site, news=(replace(site.news[0], source=source), site.news[1]))
    assert entry(manifest_of(touched), "news/2026-11-20-mfa").digest == before


def test_drafts_never_reach_the_manifest() -> None:
    # Drafts are dropped when the site is loaded; the manifest is whatever Site holds.
    site = make_site()
    site = replace(site, news=site.news[1:])
    assert manifest_of(site).entry("news/2026-11-20-mfa") is None


class TestSequence:
    REF = "incidents/2026-11-29-wifi-upgrade"

    def window(self, site: Site, **changes: object) -> Site:
        future = replace(site.maintenances[0], **changes)
        return replace(site, maintenances=(future, *site.maintenances[1:]))

    def test_new_window_starts_at_zero(self) -> None:
        assert entry(manifest_of(make_site()), self.REF).sequence == 0

    def test_unchanged_window_keeps_its_sequence(self) -> None:
        site = make_site()
        first = manifest_of(site)
        moved = manifest_of(self.window(site, start=at("2026-11-29 07:00")), first)
        again = manifest_of(self.window(site, start=at("2026-11-29 07:00")), moved)
        assert entry(moved, self.REF).sequence == 1
        assert entry(again, self.REF).sequence == 1

    @pytest.mark.parametrize(
        "change",
        [
            {"start": at("2026-11-29 05:00")},
            {"end": at("2026-11-29 09:00")},
            {"title": "Wi-Fi controller replacement"},
            {"rrule": "FREQ=WEEKLY;COUNT=4"},
        ],
    )
    def test_start_end_title_or_rule_change_bumps(self, change: dict[str, object]) -> None:
        site = make_site()
        first = manifest_of(site)
        second = manifest_of(self.window(site, **change), first)
        third = manifest_of(self.window(site), second)  # changed back: a change again
        assert entry(second, self.REF).sequence == 1
        assert entry(third, self.REF).sequence == 2

    def test_a_record_kept_before_rules_were_does_not_bump(self) -> None:
        """An output index written before the rule was part of a window's record."""
        site = self.window(make_site(), rrule="FREQ=WEEKLY;COUNT=4")
        before = windows_of(manifest_of(site))[self.REF]
        record = entry(manifest_of(site), self.REF)
        assert _with_sequence(record, before[:6]).sequence == 0  # type: ignore[arg-type]
        assert _with_sequence(record, (*before[:6], None)).sequence == 1

    def test_other_edits_and_time_passing_do_not_bump(self) -> None:
        site = make_site()
        first = manifest_of(site)
        later = manifest_of(self.window(site, body="New body"), first, NOW + timedelta(days=6))
        assert entry(later, self.REF).status == "completed"
        assert entry(later, self.REF).sequence == 0


class TestReading:
    def good(self) -> dict:
        return json.loads(manifest_of(make_site()).to_bytes())

    def test_invalid_json(self) -> None:
        with pytest.raises(StatusgenError, match=r"^not a statusgen manifest \(invalid JSON"):
            Manifest.from_bytes(b"{not json")

    def test_not_an_object(self) -> None:
        with pytest.raises(StatusgenError, match="expected a JSON object"):
            Manifest.from_bytes(b"[]")

    def test_html_error_page(self) -> None:
        with pytest.raises(StatusgenError, match="not a statusgen manifest"):
            Manifest.from_bytes(b"<!doctype html><title>Not found</title>")

    def test_unknown_version(self) -> None:
        data = self.good()
        data["version"] = 99
        with pytest.raises(StatusgenError) as caught:
            Manifest.from_bytes(json.dumps(data).encode())
        message = str(caught.value)
        assert message.startswith("manifest version 99 is not supported")
        assert "\n" not in message

    @pytest.mark.parametrize(
        ("mutate", "reason"),
        [
            (lambda d: d.pop("entries"), "missing 'entries'"),
            (lambda d: d["entries"][0].pop("title"), "missing 'title'"),
            (lambda d: d["entries"][0].update(kind="outage"), "unknown entry kind 'outage'"),
            (lambda d: d["entries"][0].update(post="yes"), "'post' should be bool"),
            (lambda d: d["entries"][0].update(time="yesterday"), "'time' is not an ISO 8601 time"),
            (lambda d: d["entries"][0].update(sequence=True), "'sequence' should be int"),
        ],
    )
    def test_corrupt(self, mutate, reason: str) -> None:
        data = self.good()
        mutate(data)
        with pytest.raises(StatusgenError) as caught:
            Manifest.from_bytes(json.dumps(data).encode())
        assert str(caught.value) == f"corrupt statusgen manifest ({reason})"


# --- internal_notes never reach the published digest ---------------------------------

NOTED_SITE_TOML = """
title = "Test status"
base_url = "https://status.example.ac.uk/"
timezone = "Europe/London"

[[services]]
id = "email"
name = "Email"
"""

NOTED_INCIDENT = """
---
title: Email delivery delays
services: [email]
impact: partial_outage
started: 2026-11-22 08:40
updates:
  - at: 2026-11-22 08:45
    status: investigating
    message: Incoming email is delayed.
{notes}---
We are looking into it.
"""


def _incident(notes: str) -> str:
    return NOTED_INCIDENT.replace("{notes}", notes)


def test_files_differing_only_in_internal_notes_give_the_same_manifest(
    write_site, tmp_path, capsys
) -> None:
    """The digest hashed the file bytes, so it changed with the notes and let anyone
    test guesses at them offline; it must follow only what is published, through
    the CLI's build and through the cached build alike. (The notes come last: the
    lines of the keys a post quotes are published, so notes above them move them.)"""
    from statusgen import cli
    from statusgen.build import build

    variants = {
        "none": "",
        "text": "internal_notes: restarted srv-417\n",
        "other": "internal_notes: restarted srv-418\n",
        "mapping": "internal_notes:\n  host: db7.internal.example.ac.uk\n  who: NOTE\n",
    }
    manifests = {}
    for name, notes in variants.items():
        root = write_site(
            {"site.toml": NOTED_SITE_TOML, "content/incidents/x.md": _incident(notes)},
            tmp_path / name,
        )
        assert cli.main(["--site", str(root), "build", "--now", "2026-11-24 12:00"]) == 0
        manifests[name] = (root / "public" / MANIFEST_PATH).read_bytes()
        cached = build(root, output=tmp_path / f"{name}-cached", now="2026-11-24 12:00", cache=True)
        manifests[f"{name}, cached"] = cached.manifest_data
    capsys.readouterr()
    assert b"srv-4" not in manifests["text"]
    assert len(set(manifests.values())) == 1, {n: len(m) for n, m in manifests.items()}


def test_no_guess_at_the_notes_can_be_tested_against_the_manifest() -> None:
    """The attack, run: 1,000 guesses at a note, each a file an attacker could
    write; every one gives the same manifest bytes, so none can be confirmed."""
    from conftest import make_config

    from statusgen.content import parse_entry

    config = make_config()
    seen = set()
    for guess in range(1000):
        data = _incident(f"internal_notes: restarted srv-{guess}\n").lstrip().encode()
        parsed, problems = parse_entry("content/incidents/x.md", data, config, "incidents")
        assert parsed is not None, problems
        site = replace(make_site(config), incidents=(parsed,), maintenances=(), news=())
        seen.add(manifest_of(site).to_bytes())
    assert len(seen) == 1
