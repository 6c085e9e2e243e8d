"""The post ledger: written the moment a post succeeds, atomically, merged across builds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from statusgen.errors import StatusgenError
from statusgen.publish.ledger import Ledger, PostRecord

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
