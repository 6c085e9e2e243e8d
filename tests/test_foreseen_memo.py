"""The privacy refusals of the posts publish can foresee are kept in the memo: a
rebuild whose records, configuration and site.toml are the same does not compose
and search every post again (seconds at 10,000 entries), and says the same."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from test_cache import Counter
from test_privacy import NOW, _with_templates, built, edit  # noqa: F401 - `built`

from statusgen.build import build
from statusgen.errors import ProblemsError

compose = importlib.import_module(
    "statusgen.publish.compose"
)  # the package's `compose` is a function


def refusals(root: Path) -> list[str]:
    with pytest.raises(ProblemsError) as caught:
        build(root, now=NOW, cache=True)
    return [str(p) for p in caught.value.problems]


def test_a_rebuild_reuses_the_foreseen_refusals_until_site_toml_changes(
    built,  # noqa: F811
    monkeypatch,
):
    edit(built, "content/incidents/x.md", "started:", "reference: '42'\nstarted:")
    _with_templates(built, 'opened = "{status}: {title}\\nTicket srv-{reference}\\n{link}"\n')
    composed = Counter(compose.foreseen_template_problems)  # once per composing
    monkeypatch.setattr(compose, "foreseen_template_problems", composed)
    first = refusals(built)
    assert len(first) == 1 and first[0].startswith("site.toml:22: publish.templates.opened:")
    assert composed.calls == 1
    assert refusals(built) == first  # from the memo
    assert composed.calls == 1
    toml = built / "site.toml"
    toml.write_text("# a comment line\n" + toml.read_text(encoding="utf-8"), encoding="utf-8")
    moved = refusals(built)  # same configuration, but the template's line moved
    assert composed.calls == 2
    assert moved == [first[0].replace("site.toml:22:", "site.toml:23:")]


def test_a_changed_entry_composes_again(built, monkeypatch):  # noqa: F811
    _with_templates(built, 'opened = "{status}: {title}\\nTicket srv-{reference}\\n{link}"\n')
    composed = Counter(compose.foreseen_template_problems)  # once per composing
    monkeypatch.setattr(compose, "foreseen_template_problems", composed)
    build(built, now=NOW, cache=True)  # no reference: nothing to refuse
    build(built, now=NOW, cache=True)
    assert composed.calls == 1
    edit(built, "content/incidents/x.md", "started:", "reference: '42'\nstarted:")
    assert len(refusals(built)) == 1
    assert composed.calls == 2


def test_an_edit_composes_only_the_posts_of_the_entry_it_changed(built, monkeypatch):  # noqa: F811
    _with_templates(built, 'opened = "{status}: {title}\\nTicket srv-{reference}\\n{link}"\n')
    entries = Counter(compose.foreseen_record_problems)
    monkeypatch.setattr(compose, "foreseen_record_problems", entries)
    build(built, now=NOW, cache=True)
    assert entries.calls > 1  # every entry's, the first time
    entries.calls = 0
    edit(built, "content/incidents/x.md", "started:", "reference: '42'\nstarted:")
    found = refusals(built)
    assert entries.calls == 1
    assert len(found) == 1 and found[0].startswith("site.toml:22: publish.templates.opened:")
    assert found == refusals_without_memo(built)


def refusals_without_memo(root: Path) -> list[str]:
    with pytest.raises(ProblemsError) as caught:
        build(root, now=NOW, cache=False)
    return [str(p) for p in caught.value.problems]
