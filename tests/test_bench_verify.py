"""`bench/verify.py`: the four ways of building (cold serial, cold parallel, cached,
CI-restored) agree byte for byte, and a disagreement names the first file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import verify  # noqa: E402

from statusgen.build import build  # noqa: E402


def test_the_four_builds_of_a_small_corpus_are_identical(tmp_path, capsys):
    assert verify.main(["--incidents", "30", "--work", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "verify: cold-serial, cold-parallel, cached, CI-restored builds of 30 incidents"
        " are identical"
    ]
    builds = tmp_path / "builds"
    trees = [builds / "cold-serial", builds / "cold-parallel", tmp_path / "site/public"]
    trees.append(builds / "ci/site/public")
    sizes = {len(verify.files_of(tree)) for tree in trees}
    assert len(sizes) == 1 and sizes.pop() > 30  # four real trees, one page per entry and more


@pytest.mark.parametrize("way", ["cold-parallel", "CI-restored"])
def test_a_build_that_differs_is_named_with_its_first_differing_file(tmp_path, capsys, way):
    def make(site, **kwargs):
        result = build(site, **kwargs)
        wrong = kwargs.get("jobs") == 2 if way == "cold-parallel" else "ci" in site.parts
        if wrong:  # what a bug in that path would do: one page's bytes changed
            page = sorted(result.output.glob("incidents/*/index.html"))[1]
            page.write_bytes(page.read_bytes() + b" ")
        return result

    assert verify.main(["--incidents", "30", "--work", str(tmp_path)], make) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"verify: {way} differs from cold-serial: incidents/")
    assert line.endswith("/index.html (other bytes)")


def test_a_missing_or_extra_file_is_a_difference(tmp_path):
    left, right = tmp_path / "left", tmp_path / "right"
    for root in (left, right):
        (root / "a").mkdir(parents=True)
        (root / "a/same.html").write_bytes(b"same")
    assert verify.first_difference(left, right) is None
    (right / "a/extra.html").write_bytes(b"x")
    assert verify.first_difference(left, right) == "a/extra.html (only in right)"
    (left / "a/0.html").write_bytes(b"x")
    assert verify.first_difference(left, right) == "a/0.html (missing from right)"
