"""Tests of errors.py: problems order totally and print as one line each."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statusgen import cli
from statusgen.errors import Problem, ProblemsError, Severity

problems = st.builds(
    Problem,
    path=st.text(max_size=20),
    line=st.none() | st.integers(min_value=1, max_value=10_000),
    field=st.text(max_size=20),
    message=st.text(max_size=40),
    severity=st.sampled_from(Severity),
)


@given(st.lists(problems, max_size=30))
def test_any_mix_of_problems_sorts_and_prints_one_line_each(found: list[Problem]) -> None:
    error = ProblemsError(found)  # sorts: a line of None beside a number once raised here
    assert sorted(error.problems) == error.problems
    for problem in error.problems:
        assert len(str(problem).splitlines()) == 1 or str(problem) == ""


@given(st.lists(problems, max_size=30))
def test_the_cli_prints_any_mix_as_one_line_each_and_a_count(found: list[Problem]) -> None:
    out, err = io.StringIO(), io.StringIO()
    cli._Printer(out, err).problems(sorted(found))
    lines = err.getvalue().splitlines()
    assert out.getvalue() == ""
    assert len(lines) == len(found) + 1
    errors = sum(p.is_error for p in found)
    warnings = sum(p.is_warning for p in found)
    assert lines[-1].startswith((f"{errors} error", f"{errors} errors"))
    assert f", {warnings} warning" in lines[-1]
    notes = len(found) - errors - warnings
    assert lines[-1].endswith(f", {notes} note" + ("s" if notes > 1 else "")) or not notes


def test_a_whole_file_problem_sorts_before_the_lines_of_its_file() -> None:
    whole = Problem("content/incidents/a b.md", None, "-", "file name is not safe")
    line = Problem("content/incidents/a b.md", 3, "title", "is empty")
    other = Problem("content/incidents/a.md", 1, "-", "no front-matter")
    assert sorted([other, line, whole]) == [whole, line, other]


def test_problems_that_differ_only_by_severity_still_sort() -> None:
    a = Problem("a.md", 1, "x", "m", Severity.WARNING)
    b = Problem("a.md", 1, "x", "m", Severity.ERROR)
    assert sorted([a, b]) == [b, a]


@pytest.mark.parametrize(
    ("severity", "mark"),
    [(Severity.ERROR, ""), (Severity.WARNING, "warning: "), (Severity.NOTICE, "note: ")],
)
def test_the_severity_is_marked(severity: Severity, mark: str) -> None:
    assert (
        str(Problem("a.md", 2, "date", "held back", severity)) == f"a.md:2: date: {mark}held back"
    )
