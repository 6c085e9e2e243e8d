"""The page in every shipped language, and a Welsh/English site in both.

A small fixture site (an ongoing incident, a past one, a window, a news item)
is built once per module in each shipped language (en-GB, de-DE, fr-FR,
es-ES, nl-NL, cy-GB) and once as a bilingual English/Welsh site whose entries
are partly translated (so its ``/cy/`` pages hold English marked
``lang="en-GB"``). Every page of the bilingual site, both languages, passes
the Nu Html Checker, and each has its hreflang links; the home page of each
language's site and the bilingual site's ``/cy/`` home page have 0 axe-core
violations at WCAG 2.1 AA in headless Chromium. All sites are served from one
folder on 127.0.0.1, each under its own path.
"""

from __future__ import annotations

import functools
import json
import subprocess
import textwrap
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import html5lib
import pytest

from statusgen.build import build

from .support import NOW
from .test_browser import AXE_JS, AXE_TAGS
from .test_html import TIMEOUT, _vnu_jar, _where

pytestmark = pytest.mark.integration

LANGUAGES = ("en-GB", "de-DE", "fr-FR", "es-ES", "nl-NL", "cy-GB")
BILINGUAL = "bilingual"
HOST = "https://status.example.ac.uk/"

SITE_TOML = """\
    title = "IT status"
    base_url = "{base}"
    timezone = "Europe/London"
    language = "{language}"
    {others}

    [[services]]
    id = "email"
    name = "Email"
    group = "Communication"

    [[services]]
    id = "webmail"
    name = "Webmail"
    group = "Communication"

    [[services]]
    id = "vpn"
    name = "VPN"
"""
# The `_cy:` lines are dropped for the sites in one language.
CONTENT = {
    "content/incidents/2026-11-24-email.md": """\
        ---
        title: Email delays
        title_cy: Oedi e-bost
        services: {email: partial_outage, webmail: degraded_performance}
        started: 2026-11-24 08:40
        updates:
          - at: 2026-11-24 08:45
            status: investigating
            message: We are looking into it.
            message_cy: Rydym yn ymchwilio.
          - at: 2026-11-24 09:30
            status: identified
            message: A disk is full; we are **moving** mail to another one.
        ---
        A review will follow.
    """,
    "content/incidents/2026-11-20-vpn.md": """\
        ---
        title: VPN outage
        services: [vpn]
        impact: major_outage
        started: 2026-11-20 14:00
        resolved: 2026-11-20 15:10
        updates:
          - at: 2026-11-20 14:05
            status: investigating
            message: The VPN is down.
        ---
    """,
    "content/incidents/2026-11-29-upgrade.md": """\
        ---
        kind: maintenance
        title: Email upgrade
        title_cy: Uwchraddio e-bost
        services: [email]
        start: 2026-11-29 06:00
        end: 2026-11-29 08:00
        ---
    """,
    "content/news/2026-11-18-vpn.md": """\
        ---
        title: A new VPN
        summary: The VPN moves to a new service in December.
        summary_cy: Mae'r VPN yn symud i wasanaeth newydd ym mis Rhagfyr.
        date: 2026-11-18
        ---
        Install the new client before 1 December.
    """,
}


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def _site(root: Path, folder: str, language: str, bilingual: bool) -> Path:
    """A fixture site whose output is `root`/`folder`, at that path of the host."""
    site = root / "sources" / folder
    others = 'other_languages = ["cy"]' if bilingual else ""
    _write(
        site,
        "site.toml",
        SITE_TOML.format(base=HOST + folder + "/", language=language, others=others),
    )
    for name, text in CONTENT.items():
        if not bilingual:
            text = "\n".join(line for line in text.splitlines() if "_cy:" not in line) + "\n"
        _write(site, name, text)
    build(site, output=root / "served" / folder, now=NOW, cache=False)
    return root / "served" / folder


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every site built once, under one folder served as the host's root."""
    root = tmp_path_factory.mktemp("languages")
    for language in LANGUAGES:
        _site(root, language.lower(), language, bilingual=False)
    _site(root, BILINGUAL, "en-GB", bilingual=True)
    return root / "served"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(sites: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(sites))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="languages-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- the Nu Html Checker and hreflang --------------------------------------------------


def test_both_languages_pass_the_nu_html_checker_with_their_hreflang_links(sites: Path) -> None:
    jar = _vnu_jar()
    output = sites / BILINGUAL
    pages = sorted(output.rglob("*.html"))
    welsh = [p for p in pages if p.relative_to(output).parts[0] == "cy"]
    # Each English page has its Welsh one but 404.html, which only the root has.
    assert welsh and len(welsh) == len(pages) - len(welsh) - 1
    for page in pages:
        if page.name == "404.html":
            continue
        doc = html5lib.parse(page.read_bytes(), namespaceHTMLElements=False)
        links = doc.findall(".//head/link[@rel='alternate'][@hreflang]")
        assert sorted(link.get("hreflang") for link in links) == ["cy", "en-GB", "x-default"], page
    run = subprocess.run(
        ["java", "-jar", str(jar), "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    try:
        report = json.loads(run.stderr)
    except json.JSONDecodeError:
        pytest.fail(f"vnu.jar exited {run.returncode} without a JSON report:\n{run.stderr[-4000:]}")
    errors = [m for m in report.get("messages", []) if m.get("type") != "info"]
    listing = "\n".join(f"{_where(m, output)}: {m.get('message', m)}" for m in errors)
    assert not errors, f"{len(errors)} Nu Html Checker error(s) in {len(pages)} pages:\n{listing}"
    assert run.returncode == 0, f"vnu.jar exited {run.returncode}:\n{run.stderr[-4000:]}"


# --- axe in each language ------------------------------------------------------------

HOMES = {language: f"{language.lower()}/" for language in LANGUAGES} | {
    "cy (bilingual)": f"{BILINGUAL}/cy/"
}


@pytest.mark.parametrize("case", list(HOMES))
def test_axe_finds_no_wcag21_aa_violations_on_the_home_page(
    case: str, browser: Any, axe_script: Path, served: str
) -> None:
    url = served + HOMES[case]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        response = page.goto(url, wait_until="load")
        assert response is not None and response.ok, f"{url}: {response and response.status}"
        expected = case.split(" ")[0]
        assert page.evaluate("document.documentElement.lang") == expected
        if case.endswith("(bilingual)"):
            # The English left on the Welsh page is marked, for axe's valid-lang too.
            marked = page.locator("body [lang='en-GB']").all_inner_texts()
            assert "VPN outage" in marked and "A new VPN" in marked, marked
        page.add_script_tag(path=str(axe_script))
        violations = page.evaluate(AXE_JS, AXE_TAGS)
    finally:
        context.close()
    lines = [
        f"{v['id']} ({v['impact']}): {v['help']}: {n['target']}  {n['html']}"
        for v in violations
        for n in v["nodes"]
    ]
    assert not violations, f"{case} ({url}): {len(lines)} element(s):\n" + "\n".join(lines)
