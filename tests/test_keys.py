"""`keys.py`: every cache key, derived from what each step declares it reads."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest import make_site

from statusgen import keys
from statusgen.render.ical import calendar_deps


def with_digests(site):
    """The site as if read from files: each window with its file's digest."""
    windows = tuple(
        replace(w, source=replace(w.source, digest=f"sha-{w.id}")) for w in site.maintenances
    )
    return replace(site, maintenances=windows)


def test_an_output_declared_as_shown_every_time_has_no_key():
    assert keys.output_key(None) == ""


def test_an_output_key_is_its_declaration_or_a_digest_of_a_long_one():
    assert (
        keys.output_key(("entry", ("incident", "a", "d1", "")))
        == "('entry', ('incident', 'a', 'd1', ''))"
    )
    long = keys.output_key(("entry", "x" * keys.KEY_TEXT_MAX))
    assert len(long) == 64 and long != keys.output_key(("entry", "y" * keys.KEY_TEXT_MAX))


def test_the_calendar_key_moves_with_each_windows_file_and_sequence():
    site = with_digests(make_site())
    first = site.maintenances[0].id
    key = keys.output_key(calendar_deps(site, {}))
    assert key and key == keys.output_key(calendar_deps(site, {first: 0}))
    assert key != keys.output_key(calendar_deps(site, {first: 1}))
    edited = replace(
        site.maintenances[0], source=replace(site.maintenances[0].source, digest="new")
    )
    other = replace(site, maintenances=(edited, *site.maintenances[1:]))
    assert key != keys.output_key(calendar_deps(other, {}))


def test_a_calendar_with_a_window_made_in_code_is_never_kept():
    assert calendar_deps(make_site(), {}) is None  # the conftest's windows have no file digest
    assert keys.output_key(calendar_deps(make_site(), {})) == ""


def test_the_configuration_key_does_not_hold_where_the_site_folder_is():
    config = make_site().config
    here, there = replace(config, root=Path("/a/site")), replace(config, root=Path("/b/ci/site"))
    assert keys.config_text(here) == keys.config_text(there)
    assert keys.config_text(here) != keys.config_text(replace(here, title="Other"))


def test_a_parse_key_holds_the_environment_the_folder_and_the_bytes():
    made = {
        keys.parse_key(env, folder, content)
        for env in ("e1", "e2")
        for folder in ("incidents", "news")
        for content in ("c1", "c2")
    }
    assert len(made) == 8


def test_a_moved_windows_fragment_key_holds_the_build_time():
    """The move it records is stamped with the build's time (`manifest._with_history`):
    a fragment kept from a build at another time must not be reused."""
    from datetime import timedelta

    from conftest import NOW
    from test_manifest import manifest_of

    from statusgen.manifest import windows_of
    from statusgen.status import derive

    site = make_site()
    window = site.maintenances[0]
    before = windows_of(manifest_of(site))[f"incidents/{window.id}"]
    moved = replace(window, start=window.start + timedelta(hours=1))
    moved = replace(moved, source=replace(window.source, digest="d"))
    at = [derive(site, NOW + timedelta(minutes=m)) for m in (0, 1)]
    assert len({keys.fragment_key("s", moved, status, before) for status in at}) == 2
    still = replace(window, source=replace(window.source, digest="d"))
    assert len({keys.fragment_key("s", still, status, before) for status in at}) == 1
