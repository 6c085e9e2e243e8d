"""site.toml validation: one test per rule, exact problem lines."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from statusgen.config import load_config, schema
from statusgen.errors import ProblemsError

GOOD = """
title = "IT status"
base_url = "https://status.example.ac.uk/status"
timezone = "Europe/London"

[[services]]
id = "email"
name = "Email"
group = "Communication"

[[services]]
id = "vpn"
name = "VPN"
group = "Access"

[[services]]
id = "webmail"
name = "Webmail"
group = "Communication"

[privacy]
forbidden = ['srv-[0-9]+']
"""


def problems(write_site, text: str | bytes) -> list[str]:
    root = write_site({"site.toml": text})
    with pytest.raises(ProblemsError) as caught:
        load_config(root)
    return [str(p) for p in caught.value.problems]


def test_good_config_normalises_and_orders(write_site):
    config = load_config(write_site({"site.toml": GOOD}))
    assert config.base_url == "https://status.example.ac.uk/status/"
    assert config.base_path == "/status/"
    assert config.timezone.key == "Europe/London"
    assert [s.id for s in config.services] == ["email", "vpn", "webmail"]
    assert config.groups == ("Communication", "Access")
    assert config.privacy.forbidden[0].search("host srv-12 down")
    assert config.output == Path("public")
    assert config.feeds.limit == 50


def test_missing_file(tmp_path):
    with pytest.raises(ProblemsError) as caught:
        load_config(tmp_path)
    assert str(caught.value.problems[0]) == (
        f"site.toml: -: no site.toml in {tmp_path} (run statusgen init)"
    )


def test_required_keys(write_site):
    assert problems(write_site, 'title = "x"\n') == [
        'site.toml: base_url: missing (add a line like base_url = "https://status.example.ac.uk/")',
        'site.toml: timezone: missing (add a line like timezone = "Europe/London")',
    ]


def test_unknown_key_suggests(write_site):
    text = GOOD.replace('timezone = "Europe/London"', 'timezone = "Europe/London"\ntimzone = "x"')
    assert problems(write_site, text) == [
        "site.toml:4: timzone: unknown key (did you mean 'timezone'?)"
    ]


def test_unknown_key_in_service_lists_known(write_site):
    text = GOOD.replace('name = "VPN"', 'name = "VPN"\ncolour = "red"')
    assert problems(write_site, text) == [
        "site.toml:13: services[2].colour: unknown key "
        "(known keys: id, name, group, description, since)"
    ]


def test_bad_time_zone_suggests(write_site):
    text = GOOD.replace("Europe/London", "Europe/Londn")
    assert problems(write_site, text) == [
        "site.toml:3: timezone: unknown time zone 'Europe/Londn' (did you mean 'Europe/London'?)"
    ]


def test_bad_base_url(write_site):
    text = GOOD.replace("https://status.example.ac.uk/status", "status.example.ac.uk")
    assert problems(write_site, text) == [
        "site.toml:2: base_url: 'status.example.ac.uk' is not an absolute http(s) URL "
        "(like https://status.example.ac.uk/)"
    ]


def test_service_id_rules(write_site):
    text = GOOD.replace('id = "vpn"', 'id = "Remote Access"').replace(
        'id = "webmail"', 'id = "email"'
    )
    assert problems(write_site, text) == [
        "site.toml:11: services[2].id: 'Remote Access' may hold only a-z, 0-9 and - "
        "(like 'remote-access')",
        "site.toml:16: services[3].id: 'email' is used by an earlier service (ids must be unique)",
    ]


def test_wrong_types(write_site):
    text = GOOD.replace('title = "IT status"', "title = 12") + "\n[feeds]\nlimit = true\n"
    assert problems(write_site, text) == [
        "site.toml:1: title: expected text in quotes",
        "site.toml:24: feeds.limit: expected a whole number",
    ]


def test_bad_regex_is_an_error(write_site):
    text = GOOD.replace("'srv-[0-9]+'", "'srv-[0-9+'")
    (line,) = problems(write_site, text)
    assert line.startswith("site.toml:21: privacy.forbidden[1]: bad regular expression 'srv-[0-9+'")


def test_toml_syntax_error_has_line(write_site):
    assert problems(write_site, 'title = "x"\nbase_url = \n') == [
        "site.toml:2: -: TOML syntax: Invalid value"
    ]


def test_not_utf8(write_site):
    assert problems(write_site, b'title = "x"\n# caf\xe9\n') == [
        "site.toml:2: -: not valid UTF-8 (save the file as UTF-8)"
    ]


def test_every_problem_at_once(write_site):
    text = GOOD.replace("Europe/London", "Mars/Base").replace('name = "VPN"', "")
    text += "\n[feeds]\nlimit = 0\n"
    assert len(problems(write_site, text)) == 3


def test_publish_section(write_site):
    text = GOOD + '\n[publish]\nmax_posts = 3\n[publish.x]\nenabled = true\naccount = "@UniIT"\n'
    config = load_config(write_site({"site.toml": text}))
    assert config.publish.max_posts == 3
    assert config.publish.x.enabled is True
    assert config.publish.x.account == "UniIT"


def test_readme_documents_every_key():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for table, keys in schema().items():
        for key in keys:
            assert f"`{key}`" in readme, f"README does not document {table}.{key}"


def test_the_scaffold_example_address_is_a_warning(tmp_path):
    from statusgen.config import SCAFFOLD_BASE_URL, load_config

    (tmp_path / "site.toml").write_text(
        f'title = "x"\nbase_url = "{SCAFFOLD_BASE_URL}"\ntimezone = "UTC"\n', encoding="utf-8"
    )
    assert [str(p) for p in load_config(tmp_path).warnings] == [
        "site.toml:2: base_url: warning: is still the example address that statusgen init wrote "
        "(set it to the page's public address, e.g. https://status.example.ac.uk/)"
    ]


def test_since_site_wide_and_per_service(write_site):
    text = GOOD.replace(
        'timezone = "Europe/London"', 'timezone = "Europe/London"\nsince = 2026-11-01'
    )
    text = text.replace('name = "VPN"', 'name = "VPN"\nsince = "2026-11-20"')
    config = load_config(write_site({"site.toml": text}))
    assert {s.id: s.since for s in config.services} == {
        "email": date(2026, 11, 1),
        "vpn": date(2026, 11, 20),  # its own, in quotes as typed often
        "webmail": date(2026, 11, 1),
    }


def test_without_since_no_service_has_one(write_site):
    config = load_config(write_site({"site.toml": GOOD}))
    assert [s.since for s in config.services] == [None, None, None]


def test_bad_since_values_are_one_line_each(write_site):
    text = GOOD.replace('timezone = "Europe/London"', 'timezone = "Europe/London"\nsince = 2026')
    text = text.replace('name = "VPN"', 'name = "VPN"\nsince = "1 Nov 2026"')
    text = text.replace('name = "Webmail"', 'name = "Webmail"\nsince = 2026-11-01T09:00:00')
    assert problems(write_site, text) == [
        "site.toml:4: since: expected a date (like 2026-11-01)",
        "site.toml:14: services[2].since: '1 Nov 2026' is not a date (like since = 2026-11-01)",
        "site.toml:20: services[3].since: 2026-11-01 09:00:00 has a time of day "
        "(a day counts whole: since = 2026-11-01)",
    ]
