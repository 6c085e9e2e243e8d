"""`statusgen init` and `statusgen new`: a new site works at once, new entries pass check."""

from __future__ import annotations

import glob
import json
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from statusgen import cli
from statusgen.build import check
from statusgen.config import TEMPLATE_EVENTS, load_config, parse_config, schema
from statusgen.content import parse_entry, parse_time
from statusgen.errors import Problem, StatusgenError
from statusgen.model import Incident, Maintenance, NewsItem
from statusgen.publish.compose import template_problems
from statusgen.scaffold import (
    SLUG_MAX,
    UnknownServices,
    init_site,
    local_text,
    new_entry,
    slugify,
    yaml_text,
)

PACKAGE = Path(__file__).resolve().parent.parent / "statusgen"
SCAFFOLD = PACKAGE / "scaffold"
PYPROJECT = PACKAGE.parent / "pyproject.toml"
SECRETS = ("X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")

SITE_TOML = """
title = "Test status"
base_url = "https://status.example.ac.uk/"
timezone = "Pacific/Auckland"

[[services]]
id = "email"
name = "Email"

[[services]]
id = "vpn"
name = "VPN: remote access"

[[services]]
id = "wifi"
name = "Wi-Fi"
"""


EXAMPLE_ADDRESS = (
    "site.toml:7: base_url: warning: is still the example address that statusgen init wrote "
    "(set it to the page's public address, e.g. https://status.example.ac.uk/)"
)
"""What check says of a site fresh from init, until its address is set."""


def shown(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], list[str]]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


# --- init -------------------------------------------------------------------------


def test_init_then_check_then_build(tmp_path, capsys):
    site = tmp_path / "status"
    code, out, err = run(capsys, "init", str(site))
    assert (code, err) == (0, [])
    today = datetime.now(UTC).astimezone(ZoneInfo(load_config(site).timezone.key)).date()
    written = [line.removeprefix("created ") for line in out if line.startswith("created ")]
    assert sorted(Path(p).relative_to(site).as_posix() for p in written) == [
        ".github/workflows/status.yml",
        ".gitignore",
        ".gitlab-ci.yml",
        "README.md",
        f"content/incidents/{today.fromordinal(today.toordinal() - 1)}-vpn-connections-dropping.md",
        f"content/incidents/{today.fromordinal(today.toordinal() + 7)}-wifi-controller-upgrade.md",
        f"content/news/{today}-welcome.md",
        "requirements.txt",
        "site.toml",
    ]
    assert out[-1].startswith(f"next: cd {site} && statusgen serve")
    assert {s.since for s in load_config(site).services} == {today}  # uptime starts today

    assert run(capsys, "--site", str(site), "check") == (
        0,
        ["ok: 1 incident (0 ongoing), 1 maintenance, 1 news, 6 services"],
        [EXAMPLE_ADDRESS, "0 errors, 1 warning"],
    )
    code, out, err = run(capsys, "--site", str(site), "build")
    assert (code, err) == (0, [EXAMPLE_ADDRESS, "0 errors, 1 warning"])
    public = site / "public"
    assert (public / "index.html").is_file()
    incidents = json.loads((public / "api/v2/incidents.json").read_bytes())["incidents"]
    assert [i["name"] for i in incidents] == ["VPN connections dropping"]
    assert incidents[0]["status"] == "resolved"
    upcoming = json.loads((public / "api/v2/scheduled-maintenances/upcoming.json").read_bytes())
    assert [m["name"] for m in upcoming["scheduled_maintenances"]] == ["Wi-Fi controller upgrade"]
    news = json.loads((public / "api/news.json").read_bytes())
    assert "Welcome to our new status page" in json.dumps(news)


ZONES_AND_DAYS = [
    ("Europe/London", datetime(2026, 3, 29, 0, 30, tzinfo=UTC)),  # clocks go forward today
    ("Europe/London", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),  # the repeated hour
    ("America/Sao_Paulo", datetime(2026, 12, 31, 23, 59, tzinfo=UTC)),
    ("Pacific/Chatham", datetime(2026, 4, 5, 14, 0, tzinfo=UTC)),
    ("Asia/Kolkata", datetime(2026, 2, 28, 19, 0, tzinfo=UTC)),
    ("UTC", datetime(2028, 2, 29, 0, 0, tzinfo=UTC)),
]
"""Days and zones where a date written relative to `init` could go wrong."""


@pytest.mark.parametrize(("zone", "now"), ZONES_AND_DAYS)
def test_init_examples_are_valid_in_any_zone_on_any_day(tmp_path, zone, now):
    site = tmp_path / "site"
    init_site(site, now=now, timezone=zone)
    assert shown(check(site, now=now)) == [EXAMPLE_ADDRESS]
    config = load_config(site)
    assert config.timezone.key == zone
    local_day = now.astimezone(ZoneInfo(zone)).date()
    assert (site / f"content/news/{local_day}-welcome.md").is_file()


def test_init_fills_every_token(tmp_path):
    site = tmp_path / "site"
    for path in init_site(site, timezone="Europe/London"):
        assert "@@" not in path.as_posix()
        assert "@@" not in path.read_text(encoding="utf-8"), path


def test_init_refuses_a_non_empty_folder_and_writes_nothing(tmp_path, capsys):
    site = tmp_path / "site"
    site.mkdir()
    (site / "notes.txt").write_text("mine", encoding="utf-8")
    code, out, err = run(capsys, "init", str(site))
    assert (code, out) == (1, [])
    assert err == [
        f"error: {site} is not empty (notes.txt): statusgen init writes only into a new "
        "or empty folder"
    ]
    assert tree(site) == ["notes.txt"]


def test_init_refuses_a_file(tmp_path, capsys):
    path = tmp_path / "site.txt"
    path.write_text("", encoding="utf-8")
    code, out, err = run(capsys, "init", str(path))
    assert (code, out, err) == (1, [], [f"error: {path} is a file (give a new or empty folder)"])


def test_init_accepts_a_fresh_clone(tmp_path):
    site = tmp_path / "clone"
    (site / ".git").mkdir(parents=True)
    assert init_site(site, timezone="UTC")
    assert shown(check(site)) == [EXAMPLE_ADDRESS]


def test_init_with_the_default_zone_of_this_machine(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "America/Denver")
    init_site(tmp_path / "a")
    assert load_config(tmp_path / "a").timezone.key == "America/Denver"
    monkeypatch.setenv("TZ", "Not/AZone")
    init_site(tmp_path / "b")  # falls back to the system's zone, or UTC
    assert shown(check(tmp_path / "b")) == [EXAMPLE_ADDRESS]


# --- the scaffold's files -----------------------------------------------------------


def test_every_declared_site_toml_key_is_in_the_scaffold():
    """site.toml in a new site shows every key (commented where it is optional)."""
    text = (SCAFFOLD / "site.toml").read_text(encoding="utf-8")
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in text.splitlines():
        # An array of tables is shown commented out: a webhook needs a secret first.
        header = re.fullmatch(r"(?:#\s*)?\[\[?([a-z.]+)\]\]?\s*(#.*)?", line.strip())
        if header:
            current = header.group(1)
            sections.setdefault(current, [])
        else:
            sections[current].append(line)
    missing = []
    for table, keys in schema().items():
        for key, declared in keys.items():
            if declared.kind is dict or (table, key) in (("", "services"), ("publish", "webhooks")):
                name = f"{table}.{key}" if table else key
                inline = any(re.match(rf"\s*#\s*{key}\s*=\s*{{", line) for line in sections[table])
                if name not in sections and not inline:  # a table, or an inline one's example
                    missing.append(f"[{name}]")
            elif not any(re.match(rf"\s*(#\s*)?{key}\s*=", line) for line in sections[table]):
                missing.append(f"{table or '(top)'}: {key}")
    for event in TEMPLATE_EVENTS:
        if not any(re.match(rf"#\s*{event}\s*=", line) for line in sections["publish.templates"]):
            missing.append(f"publish.templates: {event}")
    assert missing == []


def test_scaffold_site_toml_with_every_comment_taken_in_is_valid(tmp_path):
    """The commented examples (account, templates) are right when switched on."""
    text = (SCAFFOLD / "site.toml").read_text(encoding="utf-8").replace("@@TIMEZONE@@", "UTC")
    text = text.replace("@@TODAY@@", "2026-11-01")
    uncommented = re.sub(
        r"^# ((?:account|" + "|".join(TEMPLATE_EVENTS) + r") = .*)$", r"\1", text, flags=re.M
    )
    data = tomllib.loads(uncommented)
    assert set(data["publish"]["templates"]) == set(TEMPLATE_EVENTS)
    config = parse_config(tmp_path, data)
    assert config.publish.x.account == "YourITStatus"
    assert template_problems(config) == []


def test_every_scaffold_file_ships_in_the_wheel():
    """Each file is matched by a package-data glob (globs skip hidden names: see pyproject)."""
    patterns = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["statusgen"]
    shipped = {
        Path(match).as_posix()
        for pattern in patterns
        for match in glob.glob(pattern, root_dir=PACKAGE, recursive=True)
    }
    files = {p.relative_to(PACKAGE).as_posix() for p in SCAFFOLD.rglob("*") if p.is_file()}
    assert {".github/workflows/status.yml", ".gitignore", ".gitlab-ci.yml", "requirements.txt"} <= {
        f.removeprefix("scaffold/") for f in files
    }
    assert files - shipped == set()


_FENCE_RE = re.compile(r"^```[a-z]*\n(.*?)^```$", re.S | re.M)


def readme_templates(site: Path) -> dict[str, str]:
    """The one fenced block under each "### <Kind> template" heading of the team README."""
    text = (site / "README.md").read_text(encoding="utf-8")
    templates = {}
    for section in re.split(r"^(?=#+ )", text, flags=re.M):
        heading = re.match(r"### (\w+) template\n", section)
        if heading:
            (block,) = _FENCE_RE.findall(section)
            templates[heading.group(1).lower()] = block
    assert sorted(templates) == ["incident", "maintenance", "update"]
    return templates


def paste_templates(site: Path) -> None:
    """What the README tells a phone user to do: new files, and an update appended."""
    templates = readme_templates(site)
    incident = templates["incident"]
    assert incident.startswith("---\n") and incident.endswith("\n---\n")
    # Pasted "at the end of updates:, just above the closing --- line".
    updated = incident.removesuffix("---\n") + templates["update"] + "---\n"
    folder = site / "content/incidents"
    (folder / "2026-11-24-email-delivery-delays.md").write_text(updated, encoding="utf-8")
    (folder / "2026-11-24-email-server-upgrade.md").write_text(
        templates["maintenance"], encoding="utf-8"
    )


def test_readme_templates_pasted_from_a_phone_pass_check(tmp_path, capsys):
    site = tmp_path / "status"
    assert run(capsys, "init", str(site))[0] == 0
    templates = readme_templates(site)
    incident = site / "content/incidents/2026-11-24-email-delivery-delays.md"
    incident.write_text(templates["incident"], encoding="utf-8")
    assert run(capsys, "--site", str(site), "check")[::2] == (
        0,
        [EXAMPLE_ADDRESS, "0 errors, 1 warning"],
    )
    paste_templates(site)  # the update appended, and the maintenance window
    assert run(capsys, "--site", str(site), "check")[::2] == (
        0,
        [EXAMPLE_ADDRESS, "0 errors, 1 warning"],
    )

    # Each was read as what it is meant to be, not skipped.
    assert run(capsys, "--site", str(site), "build")[::2] == (
        0,
        [EXAMPLE_ADDRESS, "0 errors, 1 warning"],
    )
    api = site / "public/api/v2"
    unresolved = json.loads((api / "incidents/unresolved.json").read_bytes())["incidents"]
    assert [(i["name"], i["status"]) for i in unresolved] == [
        ("Email delivery delays", "identified")
    ]
    assert [u["status"] for u in unresolved[0]["incident_updates"]] == [
        "identified",
        "investigating",
    ]
    upcoming = json.loads((api / "scheduled-maintenances/upcoming.json").read_bytes())
    assert sorted(m["name"] for m in upcoming["scheduled_maintenances"]) == [
        "Email server upgrade",
        "Wi-Fi controller upgrade",
    ]


@pytest.mark.parametrize(("zone", "now"), ZONES_AND_DAYS)
def test_readme_templates_are_valid_in_any_zone_on_any_day(tmp_path, zone, now):
    site = tmp_path / "site"
    init_site(site, now=now, timezone=zone)
    paste_templates(site)
    assert shown(check(site, now=now)) == [EXAMPLE_ADDRESS]


def test_scaffold_gitignore_ignores_the_output():
    lines = (SCAFFOLD / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/public/" in lines


# --- new ----------------------------------------------------------------------------


@pytest.fixture
def site(write_site) -> Path:
    return write_site({"site.toml": SITE_TOML})


@pytest.mark.parametrize("kind", ["incident", "maintenance", "news"])
def test_new_entry_passes_check_untouched(site, capsys, kind):
    code, out, err = run(capsys, "--site", str(site), "new", kind, "Email is slow")
    assert (code, err) == (0, [])
    (printed,) = out
    path = Path(printed)
    folder = "news" if kind == "news" else "incidents"
    today = datetime.now(ZoneInfo("Pacific/Auckland")).date()
    assert path == site / "content" / folder / f"{today}-email-is-slow.md"
    counts = {
        "incident": "1 incident (1 ongoing), 0 maintenance, 0 news",
        "maintenance": "0 incidents (0 ongoing), 1 maintenance, 0 news",
        "news": "0 incidents (0 ongoing), 0 maintenance, 1 news",
    }
    ok = f"ok: {counts[kind]}, 3 services"
    assert run(capsys, "--site", str(site), "check") == (0, [ok], [])
    assert run(capsys, "--site", str(site), "build")[0] == 0


def test_new_fills_every_field_sensibly(site):
    config = load_config(site)
    now = datetime(2026, 11, 24, 10, 42, 31, tzinfo=UTC)  # 23:42 in Auckland
    incident = new_entry(config, "incident", "VPN down", ["vpn", "wifi"], now)
    maintenance = new_entry(config, "maintenance", "Wi-Fi upgrade", ["wifi"], now)
    news = new_entry(config, "news", "New portal", None, now)
    assert incident.name == "2026-11-24-vpn-down.md"

    entries = {}
    for path in (incident, maintenance, news):
        rel = path.relative_to(site).as_posix()
        folder = rel.split("/")[1]
        entry, problems = parse_entry(rel, path.read_bytes(), config, folder)
        assert problems == []
        entries[path] = entry
    zone = config.timezone
    started = datetime(2026, 11, 24, 23, 42, tzinfo=zone)

    inc = entries[incident]
    assert isinstance(inc, Incident)
    assert (inc.service_ids, inc.impact.value, inc.started) == (
        ("vpn", "wifi"),
        "degraded_performance",
        started,
    )
    assert inc.resolved is None
    assert [(u.at, u.status.value) for u in inc.updates] == [(started, "investigating")]
    assert inc.updates[0].message == (
        "We are investigating a problem with VPN: remote access and Wi-Fi."
    )
    text = incident.read_text(encoding="utf-8")
    assert "degraded_performance | partial_outage | major_outage" in text

    window = entries[maintenance]
    assert isinstance(window, Maintenance)
    assert window.start == datetime(2026, 11, 25, 7, 0, tzinfo=zone)
    assert window.end == datetime(2026, 11, 25, 9, 0, tzinfo=zone)
    assert [u.status.value for u in window.updates] == ["scheduled"]

    item = entries[news]
    assert isinstance(item, NewsItem)
    assert (item.date, item.summary) == (started, "New portal")


def test_new_defaults_to_the_first_service(site):
    path = new_entry(load_config(site), "incident", "Down", None, datetime.now(UTC))
    assert "services: [email]" in path.read_text(encoding="utf-8")


def test_new_names_the_file_by_the_date_in_the_site_zone(site):
    # 11:30 UTC on 24 November is 00:30 on the 25th in Auckland.
    now = datetime(2026, 11, 24, 11, 30, tzinfo=UTC)
    path = new_entry(load_config(site), "news", "Hello", None, now)
    assert path.name == "2026-11-25-hello.md"


def test_new_adds_a_suffix_and_never_overwrites(site):
    config = load_config(site)
    now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    folder = site / "content/incidents"
    folder.mkdir(parents=True)
    (folder / "2026-11-24-Email-Down-2.md").write_text("keep", encoding="utf-8")  # case differs
    names = [new_entry(config, "incident", "Email down", None, now).name for _ in range(3)]
    assert names == [
        "2026-11-24-email-down.md",
        "2026-11-24-email-down-3.md",
        "2026-11-24-email-down-4.md",
    ]
    assert (folder / "2026-11-24-Email-Down-2.md").read_text(encoding="utf-8") == "keep"
    # Maintenance shares the folder, so it shares the numbering.
    assert new_entry(config, "maintenance", "Email down", None, now).name == (
        "2026-11-24-email-down-5.md"
    )
    # News has its own folder.
    assert new_entry(config, "news", "Email down", None, now).name == "2026-11-24-email-down.md"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Email delivery delays", "email-delivery-delays"),
        ('DNS: "it\'s always DNS" #2', "dns-its-always-dns-2"),
        ("Café Wi-Fi — ünïcode", "cafe-wi-fi-unicode"),
        ("Straße & Øresund", "strasse-oresund"),
        ("  --Leading/trailing--  ", "leading-trailing"),
        ("メール障害", "entry"),
        ("!!!", "entry"),
        ("", "entry"),
        ("VPN_and_SSO 2.0", "vpn-and-sso-2-0"),
    ],
)
def test_slug_rules(title, slug):
    assert slugify(title) == slug


def test_long_slugs_are_cut_at_a_hyphen():
    slug = slugify("Planned maintenance of the central storage array and every service on it")
    assert slug == "planned-maintenance-of-the-central-storage-array-and-every"
    assert len(slug) <= SLUG_MAX
    assert len(slugify("x" * 200)) == SLUG_MAX


def test_unknown_services_are_refused_one_line_each(site, capsys):
    code, out, err = run(
        capsys, "--site", str(site), "new", "incident", "Down", "--services", "emial,vpn,zzz"
    )
    assert (code, out) == (1, [])
    assert err == [
        "error: --services: unknown service 'emial' (did you mean 'email'?)",
        "error: --services: unknown service 'zzz' (one of email, vpn, wifi)",
    ]
    assert not (site / "content").exists()


def test_unknown_services_raise_for_library_callers(site):
    with pytest.raises(UnknownServices) as info:
        new_entry(load_config(site), "maintenance", "X", ["wfi"], datetime.now(UTC))
    assert info.value.messages == ["--services: unknown service 'wfi' (did you mean 'wifi'?)"]


def test_news_takes_no_services(site, capsys):
    code, out, err = run(capsys, "--site", str(site), "new", "news", "Hi", "--services", "email")
    assert (code, out, err) == (1, [], ["error: news has no services (leave out --services)"])


def test_new_refuses_an_empty_title(site):
    with pytest.raises(StatusgenError, match="the title is empty"):
        new_entry(load_config(site), "news", " \t ", None, datetime.now(UTC))


def test_new_title_words_need_no_quotes(site, capsys):
    code, out, _ = run(capsys, "--site", str(site), "new", "incident", "VPN", "is", "down")
    assert code == 0
    assert out[0].endswith("-vpn-is-down.md")


TRICKY_TITLES = [
    'DNS: "it\'s always DNS" #2',
    "It's down",
    "no",
    "1.10",
    "2026-11-22",
    "- starts like a list",
    "#hashtag outage",
    "Wi-Fi: 50% packet loss & {weird} [brackets]",
    "*Starred* title",
    "Back\\slash \"and\" quotes 'both'",
    "@mention and `code`",
    "null",
    "Ünïcödé — 障害",
    "a  b\tc\nd",  # white space collapses to one line
]


@pytest.mark.parametrize("title", TRICKY_TITLES)
def test_titles_round_trip_through_yaml(site, title):
    config = load_config(site)
    for kind in ("incident", "news"):
        path = new_entry(config, kind, title, None, datetime.now(UTC))
        rel = path.relative_to(site).as_posix()
        entry, problems = parse_entry(rel, path.read_bytes(), config, rel.split("/")[1])
        assert [p for p in problems if p.is_error] == []
        assert entry is not None
        assert entry.title == " ".join(title.split())


@pytest.mark.parametrize("value", [*TRICKY_TITLES, "tab\there", "bell\x07", "", " lead"])
def test_yaml_text_reads_back_as_the_same_string(value):
    assert yaml.safe_load(f"key: {yaml_text(value)}\n")["key"] == value


def test_plain_titles_stay_unquoted():
    assert yaml_text("Email delivery delays") == "Email delivery delays"
    assert yaml_text("It's down") == "It's down"
    assert yaml_text("DNS: down") == "'DNS: down'"
    assert yaml_text("#2 'x'") == "\"#2 'x'\""


def test_local_text_adds_the_offset_only_when_a_time_is_ambiguous():
    london = ZoneInfo("Europe/London")
    assert local_text(datetime(2026, 11, 24, 9, 5, tzinfo=UTC), london) == "2026-11-24 09:05"
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 01:30 GMT
    assert local_text(first, london) == "2026-10-25 01:30+01:00"
    assert local_text(second, london) == "2026-10-25 01:30+00:00"
    for moment in (first, second):
        assert parse_time(local_text(moment, london), london) == (moment.astimezone(london), None)


def test_scaffold_site_toml_with_every_target_switched_on_is_valid(tmp_path):
    """The examples of every target (issue 14) are right once enabled and uncommented."""
    text = (SCAFFOLD / "site.toml").read_text(encoding="utf-8").replace("@@TIMEZONE@@", "UTC")
    text = text.replace("@@TODAY@@", "2026-11-01").replace("enabled = false", "enabled = true")
    webhook = re.search(r"^# \[\[publish\.webhooks\]\]\n(?:# .*\n)+", text, flags=re.M)
    assert webhook is not None
    hook = re.sub(r"^# ", "", webhook.group(0), flags=re.M)
    # a Teams webhook has neither a signing key nor a bot token: those lines are for others;
    # language = "cy" is for a site with other_languages (commented out in the scaffold)
    hook = re.sub(r"^(secret_env|token_env|channel|language) = .*\n", "", hook, flags=re.M)
    text = text.replace(webhook.group(0), hook)
    publish = parse_config(tmp_path, tomllib.loads(text)).publish
    assert publish.mastodon.enabled and publish.bluesky.enabled and publish.email.enabled
    assert [(h.name, h.format, h.url_env) for h in publish.webhooks] == [
        ("teams-it", "teams", "TEAMS_IT_WEBHOOK_URL")
    ]


_CHOICES = re.compile(r"^\s*-?\s*(impact|status):\s*\S+\s+#\s*(.+\|.+)$")


def test_every_choice_comment_lists_every_value(site: Path) -> None:
    """``status: investigating  # a | b | c``: the scaffold's, README's and `new`'s
    comments list what the model takes, so a new status (postmortem) is offered."""
    from statusgen.model import Impact, IncidentStatus, MaintenanceStatus

    config = load_config(site)
    now = datetime(2026, 11, 24, 10, 42, tzinfo=UTC)
    written = [new_entry(config, kind, "VPN", ["vpn"], now) for kind in ("incident", "maintenance")]
    texts = [p.read_text(encoding="utf-8") for p in (*SCAFFOLD.rglob("*.md"), *written)]
    seen = set()
    for text in texts:
        for line in text.splitlines():
            match = _CHOICES.match(line)
            if match:
                seen.add(tuple(v.strip() for v in match[2].split("|")))
    expected = {tuple(v.value for v in e) for e in (Impact, IncidentStatus, MaintenanceStatus)}
    assert seen == expected
