"""Badges (SVG and shields.io endpoint JSON) and the embeddable banner's file."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import NOW, make_config, make_site
from jsonschema import Draft202012Validator

from statusgen.build import build
from statusgen.model import Service
from statusgen.render.badges import (
    EMBED_PATH,
    SITE_BADGE,
    SITE_BADGE_JSON,
    render_badges,
    text_width,
)
from statusgen.status import derive

SVG = "{http://www.w3.org/2000/svg}"
SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "shields-endpoint.schema.json").read_text("utf-8")
)
SHIELDS = Draft202012Validator(SCHEMA)


def render(site=None) -> dict[str, bytes]:
    site = site or make_site()
    return render_badges(site, derive(site, NOW))


def svg_words(data: bytes) -> tuple[ET.Element, list[str]]:
    root = ET.fromstring(data)
    return root, [t.text or "" for t in root.iter(SVG + "text")]


def test_every_badge_and_the_banner_are_rendered() -> None:
    site = make_site()
    expected = {SITE_BADGE, SITE_BADGE_JSON, EMBED_PATH}
    for service in site.config.services:
        expected |= {f"services/{service.id}/badge.svg", f"services/{service.id}/badge.json"}
    assert set(render(site)) == expected


def test_the_site_badge_says_what_the_home_page_banner_says() -> None:
    status = derive(make_site(), NOW)
    root, words = svg_words(render()[SITE_BADGE])
    assert root.tag == SVG + "svg"
    assert words == ["status", status.overall.description] == ["status", "Minor Service Outage"]
    # Accessible: an image with a text alternative and a title saying the same.
    assert root.get("role") == "img"
    assert root.get("aria-label") == "status: Minor Service Outage"
    assert root[0].tag == SVG + "title"
    assert root[0].text == "status: Minor Service Outage"


def test_each_service_badge_says_its_status_label() -> None:
    status = derive(make_site(), NOW)
    files = render()
    for service in status.services:
        root, words = svg_words(files[f"services/{service.service.id}/badge.svg"])
        assert words == [service.service.name, service.status.label]
        assert root.get("aria-label") == f"{service.service.name}: {service.status.label}"
    _, vpn = svg_words(files["services/vpn/badge.svg"])
    assert vpn == ["VPN", "Partial outage"]


def test_the_badge_is_as_wide_as_its_two_parts_and_its_texts() -> None:
    root, _ = svg_words(render()[SITE_BADGE])
    left, right = (r for r in root.iter(SVG + "rect") if r.get("fill"))
    width = float(root.get("width"))
    assert float(left.get("width")) + float(right.get("width")) == pytest.approx(width)
    assert float(right.get("x")) == float(left.get("width"))
    label, message = root.iter(SVG + "text")
    assert float(label.get("textLength")) == round(text_width("status"), 1)
    assert float(message.get("textLength")) == round(text_width("Minor Service Outage"), 1)
    assert float(right.get("width")) == pytest.approx(float(message.get("textLength")) + 10)


def test_text_width_comes_from_the_fixed_table() -> None:
    # Verdana 11px: "i" is narrow, "m" wide; digits share one width.
    assert text_width("i") < text_width("a") < text_width("m")
    assert text_width("0") == text_width("9")
    # s, t, a, t, u, s in font units (2048 to the em) at 11px
    assert text_width("status") == (1064 + 807 + 1229 + 807 + 1296 + 1064) * 11 / 2048
    assert text_width("邮件") == 22.0  # wide characters take a full em each
    assert text_width("e\u0301") == text_width("e")  # a combining accent adds nothing


def test_badges_are_deterministic_bytes() -> None:
    assert render() == render()


def test_names_are_escaped_and_the_svg_stays_well_formed() -> None:
    config = make_config(services=(Service("lab", 'R&D <lab> "west"'),))
    site = replace(make_site(), config=config, incidents=(), maintenances=())
    files = render(site)
    root, words = svg_words(files["services/lab/badge.svg"])
    assert words == ['R&D <lab> "west"', "Operational"]
    assert root.get("aria-label") == 'R&D <lab> "west": Operational'
    _, site_words = svg_words(files[SITE_BADGE])
    assert site_words == ["status", "All Systems Operational"]


def test_the_json_badges_follow_the_shields_endpoint_schema() -> None:
    files = render()
    documents = {p: json.loads(d) for p, d in files.items() if p.endswith(".json")}
    assert len(documents) == 1 + len(make_site().config.services)
    for path, document in documents.items():
        errors = sorted(SHIELDS.iter_errors(document), key=str)
        assert not errors, (path, [e.message for e in errors])
    assert documents[SITE_BADGE_JSON] == {
        "schemaVersion": 1,
        "label": "status",
        "message": "Minor Service Outage",
        "color": "yellow",
    }
    assert documents["services/vpn/badge.json"] == {
        "schemaVersion": 1,
        "label": "VPN",
        "message": "Partial outage",
        "color": "orange",
    }
    assert documents["services/email/badge.json"]["color"] == "blue"  # under maintenance
    assert documents["services/wifi/badge.json"]["color"] == "brightgreen"


def test_the_schema_rejects_what_shields_would() -> None:
    good = json.loads(render()[SITE_BADGE_JSON])
    SHIELDS.validate(good)
    for broken in (
        {**good, "schemaVersion": 2},
        {**good, "message": ""},
        {k: v for k, v in good.items() if k != "label"},
        {**good, "colour": "red"},
    ):
        assert list(SHIELDS.iter_errors(broken)), broken


def test_the_banner_script_is_small_and_self_contained() -> None:
    script = render()[EMBED_PATH]
    assert len(script) < 3 * 1024
    text = script.decode("utf-8")
    # No dependencies: nothing imported or loaded but the site's own summary.
    assert "import " not in text and "require(" not in text
    assert "api/v2/summary.json" in text
    assert "document.currentScript" in text


@pytest.mark.parametrize("cache", [False, True])
def test_a_build_writes_the_badges_with_the_cache_and_without(cache, tmp_path) -> None:
    # The demo site, copied so that the cache folder lands in tmp_path.
    repo = Path(__file__).resolve().parents[1]
    site = tmp_path / "site"
    for part in ("site.toml", "content", "themes"):
        if (repo / part).is_dir():
            shutil.copytree(repo / part, site / part)
        elif (repo / part).is_file():
            site.mkdir(exist_ok=True)
            shutil.copy(repo / part, site / part)
    out = tmp_path / "out"
    build(site, output=out, now="2026-11-24 12:00", cache=cache)
    if cache:  # and a warm build keeps them
        build(site, output=out, now="2026-11-24 12:00", cache=cache)
    _, words = svg_words((out / SITE_BADGE).read_bytes())
    assert words == ["status", "Minor Service Outage"]
    assert json.loads((out / SITE_BADGE_JSON).read_bytes())["message"] == "Minor Service Outage"
    assert (out / "services" / "wifi" / "badge.svg").is_file()
    assert (out / EMBED_PATH).read_bytes() == render()[EMBED_PATH]


def test_every_badge_of_a_build_is_well_formed_svg_and_valid_shields_json(tmp_path) -> None:
    # The demo site as built, every badge of it: the site's and each service's.
    repo = Path(__file__).resolve().parents[1]
    out = tmp_path / "out"
    build(repo, output=out, now="2026-11-24 12:00", cache=False)
    services = sorted(p.name for p in (out / "services").iterdir() if p.is_dir())
    assert len(services) == 13
    svgs = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.svg") if "badge" in p.name)
    assert svgs == [SITE_BADGE, *(f"services/{s}/badge.svg" for s in services)]
    for path in svgs:
        # A strict XML parser: a stray "&" or "<" in a name raises ParseError here.
        root = ET.fromstring((out / path).read_bytes())
        assert root.tag == SVG + "svg", path
        assert root.get("role") == "img", path
        assert root[0].tag == SVG + "title", path
        assert root[0].text == root.get("aria-label"), path
        assert float(root.get("width")) > 0 and float(root.get("height")) > 0, path
    documents = sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*.json") if p.name == "badge.json"
    )
    assert documents == [SITE_BADGE_JSON, *(f"services/{s}/badge.json" for s in services)]
    for path in documents:
        errors = sorted(SHIELDS.iter_errors(json.loads((out / path).read_bytes())), key=str)
        assert not errors, (path, [e.message for e in errors])
