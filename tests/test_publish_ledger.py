"""The post ledger: written the moment a post succeeds, atomically, merged across builds."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from statusgen import cli
from statusgen.errors import StatusgenError
from statusgen.manifest import LEDGER_PATH
from statusgen.publish.ledger import RETAIN, Ledger, PostRecord
from statusgen.rules import compile_rule

REF = "incidents/2026-11-24-vpn-slow"


def test_missing_file_is_an_empty_ledger_bound_to_it(tmp_path: Path) -> None:
    path = tmp_path / "_statusgen" / "ledger.json"
    ledger = Ledger.load(path)
    assert ledger.posts == () and ledger.pending == ()
    assert ledger.path == path
    assert not path.exists()


def test_record_writes_before_returning(tmp_path: Path) -> None:
    path = tmp_path / "_statusgen" / "ledger.json"
    ledger = Ledger.load(path)
    ledger.record(REF, "first", "111", "x", "2026-11-24T12:00:00+00:00")
    on_disk = Ledger.load(path)
    assert on_disk.has(REF, "first")
    assert on_disk.posts == (PostRecord(REF, "first", "111", "x", "2026-11-24T12:00:00+00:00"),)
    ledger.record(REF, "u2", "222", "x", "2026-11-24T12:01:00+00:00")
    assert Ledger.load(path).has(REF, "u2")
    assert sorted(p.name for p in path.parent.iterdir()) == ["ledger.json"]  # no temp files


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.json"
    ledger = Ledger.load(path)
    ledger.record(REF, "first", "111", "x", "2026-11-24T12:00:00+00:00")
    before = path.read_bytes()

    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        ledger.record(REF, "u2", "222", "x", "2026-11-24T12:01:00+00:00")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ledger.json"]


def test_file_format_is_stable(tmp_path: Path) -> None:
    ledger = Ledger(path=tmp_path / "l.json")
    ledger.set_pending([(REF, "u3"), ("news/a", "first")])
    ledger.record(REF, "first", "111", "x", "2026-11-24T12:00:00+00:00")
    data = json.loads((tmp_path / "l.json").read_bytes())
    assert data == {
        "version": 1,
        "posts": [
            {
                "entry": REF,
                "event": "first",
                "post_id": "111",
                "target": "x",
                "posted_at": "2026-11-24T12:00:00+00:00",
            }
        ],
        "pending": [{"entry": REF, "event": "u3"}, {"entry": "news/a", "event": "first"}],
    }


def test_recording_clears_pending(tmp_path: Path) -> None:
    ledger = Ledger(path=tmp_path / "l.json")
    ledger.set_pending([(REF, "first"), (REF, "u2")])
    ledger.record(REF, "first", "1", "x", "2026-11-24T12:00:00+00:00")
    assert Ledger.load(tmp_path / "l.json").pending == ((REF, "u2"),)


def test_first_post_is_the_thread_root() -> None:
    ledger = Ledger(
        [
            PostRecord(REF, "u2", "222", "x", "2026-11-24T10:00:00+00:00"),
            PostRecord(REF, "first", "111", "x", "2026-11-24T11:00:00+00:00"),
            PostRecord("news/a", "first", None, "x", "2026-11-24T09:00:00+00:00"),
        ]
    )
    assert ledger.first_post(REF) == "111"
    assert ledger.first_post("news/a") is None  # duplicate answer: id unknown
    assert ledger.first_post("news/b") is None


def test_merge_unions_and_prefers_known_ids(tmp_path: Path) -> None:
    mine = Ledger(
        [PostRecord(REF, "first", None, "x", "2026-11-24T12:00:00+00:00")],
        pending=[(REF, "u2"), ("news/a", "first")],
        path=tmp_path / "mine.json",
    )
    theirs = Ledger(
        [
            PostRecord(REF, "first", "111", "x", "2026-11-24T11:00:00+00:00"),
            PostRecord("news/a", "first", "333", "x", "2026-11-23T11:00:00+00:00"),
        ],
        pending=[("news/b", "first")],
    )
    merged = mine.merge(theirs)
    assert merged.path == tmp_path / "mine.json"
    assert merged.first_post(REF) == "111"
    assert merged.pending == ((REF, "u2"), ("news/b", "first"))
    assert len(merged.posts) == 2
    assert not (tmp_path / "mine.json").exists()  # merging writes nothing


def test_merge_keeps_the_earlier_of_two_real_posts() -> None:
    a = Ledger([PostRecord(REF, "first", "2", "x", "2026-11-24T12:00:00+00:00")])
    b = Ledger([PostRecord(REF, "first", "1", "x", "2026-11-24T11:00:00+00:00")])
    assert a.merge(b).first_post(REF) == "1"
    assert b.merge(a).first_post(REF) == "1"


@pytest.mark.parametrize(
    "content",
    [b"{oops", b"[]", b'{"version": 7}', b'{"version": 1, "posts": [{"entry": "a"}]}'],
)
def test_corrupt_ledger_is_an_error_naming_the_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "ledger.json"
    path.write_bytes(content)
    with pytest.raises(StatusgenError) as caught:
        Ledger.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: corrupt post ledger (")
    assert "\n" not in message


def test_memory_ledger_never_writes(tmp_path: Path) -> None:
    ledger = Ledger()
    ledger.record(REF, "first", "1", "x", "2026-11-24T12:00:00+00:00")
    ledger.save()
    assert list(tmp_path.iterdir()) == []


# --- pruning: what a published ledger keeps -------------------------------------------

LIVE = "incidents/x"
RENAMED = "incidents/srv-42-outage"
"""A file named after a host, posted, then renamed to x: its old name must go."""
GONE = "incidents/taken-down"
OLD = "incidents/2025-10-01-old"


def _ledger_with_history() -> Ledger:
    return Ledger(
        [
            PostRecord(LIVE, "first", "100", "x", "2025-01-01T09:00:00+00:00"),
            PostRecord(LIVE, "u2", "101", "x", "2026-11-22T09:00:00+00:00"),
            PostRecord(RENAMED, "first", "200", "x", "2026-11-22T08:00:00+00:00"),
            PostRecord(GONE, "first", "300", "x", "2026-11-20T08:00:00+00:00"),
            PostRecord(OLD, "first", "400", "x", "2025-10-01T08:00:00+00:00"),
            PostRecord("incidents/hand-edited", "first", "500", "x", "last week"),
        ],
        pending=[(LIVE, "u3"), (GONE, "u2"), (RENAMED, "resolved")],
    )


def test_pruning_keeps_the_build_and_recent_posts_and_drops_forbidden_names() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    forbidden = compile_rule(r"srv-[0-9]+")
    pruned = _ledger_with_history().pruned({LIVE}, now, lambda ref: bool(forbidden.search(ref)))
    assert [(p.entry, p.event, p.post_id) for p in pruned.posts] == [
        (LIVE, "first", "100"),  # in the build: kept however old (the thread's root)
        (GONE, "first", "300"),  # gone 4 days ago: kept for RETAIN, should it come back
        (LIVE, "u2", "101"),
    ]
    assert pruned.pending == ((LIVE, "u3"),)
    assert timedelta(days=30) == RETAIN
    later = _ledger_with_history().pruned({LIVE}, now + RETAIN)
    assert GONE not in {p.entry for p in later.posts}


def _site_with_ledger(write_site, ledger: bytes) -> Path:
    root = write_site(
        {
            "site.toml": """
            title = "Test status"
            base_url = "https://status.example.ac.uk/"
            timezone = "Europe/London"

            [[services]]
            id = "email"
            name = "Email"

            [privacy]
            forbidden = ['srv-[0-9]+']
            """,
            "content/incidents/x.md": """
            ---
            title: Email delivery delays
            services: [email]
            impact: partial_outage
            started: 2026-11-22 08:40
            ---
            We are looking into it.
            """,
        }
    )
    # A build, then a publish that left its ledger in the output folder.
    assert cli.main(["--site", str(root), "build", "--now", "2026-11-23 12:00"]) == 0
    (root / "public" / LEDGER_PATH).write_bytes(ledger)
    return root


def test_build_prunes_the_ledger_it_carries(write_site, capsys) -> None:
    """The ledger went from build to build verbatim, keeping every name ever posted."""
    root = _site_with_ledger(write_site, _ledger_with_history().to_bytes())
    capsys.readouterr()
    assert cli.main(["--site", str(root), "check"]) == 0
    assert cli.main(["--site", str(root), "build", "--now", "2026-11-24 12:00"]) == 0
    capsys.readouterr()
    data = (root / "public" / LEDGER_PATH).read_bytes()
    assert b"srv-42" not in data
    assert json.loads(data) == {
        "version": 1,
        "posts": [
            {
                "entry": LIVE,
                "event": "first",
                "post_id": "100",
                "target": "x",
                "posted_at": "2025-01-01T09:00:00+00:00",
            },
            {
                "entry": GONE,
                "event": "first",
                "post_id": "300",
                "target": "x",
                "posted_at": "2026-11-20T08:00:00+00:00",
            },
            {
                "entry": LIVE,
                "event": "u2",
                "post_id": "101",
                "target": "x",
                "posted_at": "2026-11-22T09:00:00+00:00",
            },
        ],
        "pending": [{"entry": LIVE, "event": "u3"}],
    }


def test_the_guard_searches_the_carried_ledger(write_site, capsys) -> None:
    """A ledger this statusgen cannot read is carried as it is, so the guard must
    see it: it went out unsearched."""
    newer = b'{"version": 2, "posts": [{"entry": "incidents/srv-42-outage"}]}\n'
    root = _site_with_ledger(write_site, newer)
    capsys.readouterr()
    before = {p: p.read_bytes() for p in (root / "public").rglob("*") if p.is_file()}
    expected = [
        "_statusgen/ledger.json: privacy: 'srv-42' matches the privacy rule 'srv-[0-9]+' "
        "and would be published (remove it); found in the output, not in a source",
        "1 error, 0 warnings",
    ]
    assert cli.main(["--site", str(root), "check"]) == 1
    assert capsys.readouterr().err.splitlines() == expected
    assert cli.main(["--site", str(root), "build", "--now", "2026-11-24 12:00"]) == 1
    assert capsys.readouterr().err.splitlines() == expected
    assert {p: p.read_bytes() for p in (root / "public").rglob("*") if p.is_file()} == before


def test_publish_prunes_the_live_sites_ledger(tmp_path: Path) -> None:
    """In CI the ledger comes back from the live site, unpruned, and publish
    writes it into the build that is deployed next."""
    from dataclasses import replace as with_

    from conftest import NOW, make_config, make_site

    from statusgen.manifest import MANIFEST_PATH, build_manifest
    from statusgen.model import PrivacyConfig
    from statusgen.publish import run_publish
    from statusgen.status import derive

    base = make_config(privacy=PrivacyConfig(forbidden=(compile_rule(r"srv-[0-9]+"),)))
    config = with_(base, publish=with_(base.publish, x=with_(base.publish.x, enabled=True)))
    site = make_site(config)
    manifest = build_manifest(site, derive(site, NOW), None).to_bytes()
    for folder in ("live", "public"):
        (tmp_path / folder / MANIFEST_PATH).parent.mkdir(parents=True)
        (tmp_path / folder / MANIFEST_PATH).write_bytes(manifest)
    vpn = "incidents/2026-11-24-vpn-slow"
    live = Ledger(
        [
            PostRecord(vpn, "first", "1", "x", "2026-11-24T09:00:00+00:00"),
            PostRecord(RENAMED, "first", "2", "x", "2026-11-24T08:00:00+00:00"),
        ],
        pending=[(RENAMED, "u2")],
    )
    (tmp_path / "live" / LEDGER_PATH).write_bytes(live.to_bytes())

    class Clock:
        def now(self) -> float:
            return NOW.timestamp()

        def sleep(self, seconds: float) -> None:
            raise AssertionError("nothing to wait for")

    lines = list(run_publish(config, tmp_path / "public", str(tmp_path / "live"), clock=Clock()))
    assert lines[-1] == "nothing new to post"
    written = Ledger.load(tmp_path / "public" / LEDGER_PATH)
    assert [(p.entry, p.post_id) for p in written.posts] == [(vpn, "1")]
    assert written.pending == ()


def test_merge_never_loses_a_record_to_an_older_or_empty_copy() -> None:
    newer = Ledger([PostRecord(REF, "first", "1", "x", "2026-11-24T09:00:00+00:00", 2)])
    newer.refuse("news/n", "first", "X rejected the post (400)", "x", "t")
    stale = Ledger(pending=[(REF, "first"), (REF, "update:3")])
    for merged in (newer.merge(stale), stale.merge(newer), newer.merge(Ledger())):
        assert merged.first_post(REF) == "1"
        assert merged.is_refused("news/n", "first")
        assert (REF, "first") not in merged.pending


def test_an_older_ledger_reads_as_it_is_and_writes_the_new_fields_only_when_set() -> None:
    old = {
        "version": 1,
        "posts": [
            {"entry": REF, "event": "first", "post_id": "1", "target": "x", "posted_at": "t"}
        ],
        "pending": [],
    }
    ledger = Ledger.from_bytes(json.dumps(old).encode())
    assert ledger.posts[0].updates is None
    assert ledger.covered(REF, unknown=4) == 4  # a count not recorded: assume all
    assert json.loads(ledger.to_bytes()) == old
    ledger.record(REF, "update:5", "2", "x", "u")
    assert ledger.covered(REF, unknown=0) == 5


def test_refused_round_trips_and_retry_makes_it_pending(tmp_path: Path) -> None:
    path = tmp_path / "ledger.json"
    ledger = Ledger.load(path)
    ledger.refuse(REF, "update:2", "X refused the post (403 Forbidden: flagged)", "x", "t")
    again = Ledger.load(path)
    assert [(r.entry, r.event, r.reason) for r in again.refused] == [
        (REF, "update:2", "X refused the post (403 Forbidden: flagged)")
    ]
    assert again.retry(REF, None) == [(REF, "update:2")]
    assert again.pending == ((REF, "update:2"),) and again.refused == ()


def test_rekey_maps_old_update_keys() -> None:
    old_key = "2026-11-24T09:30:00+00:00/identified"
    ledger = Ledger([PostRecord(REF, old_key, "7", "x", "t")], pending=[(REF, "old/x")])
    ledger.rekey({(REF, old_key): "update:2", (REF, "old/x"): "update:3"})
    assert ledger.has(REF, "update:2") and not ledger.has(REF, old_key)
    assert ledger.pending == ((REF, "update:3"),)


def test_save_writes_the_local_copy_too(tmp_path: Path) -> None:
    ledger = Ledger.load(tmp_path / "public" / "ledger.json")
    ledger.copy = tmp_path / ".statusgen-cache" / "publish-ledger.json"
    ledger.record(REF, "first", "1", "x", "t")
    assert Ledger.load(ledger.copy).first_post(REF) == "1"
