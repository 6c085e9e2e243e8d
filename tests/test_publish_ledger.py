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
