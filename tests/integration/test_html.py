"""Every page of the demo build through the Nu Html Checker (vnu.jar): 0 errors."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .support import NPM_HINT, Demo, node_modules, require

pytestmark = pytest.mark.integration

TIMEOUT = 300  # seconds; one JVM checks every page (its start-up is the slow part)


def _vnu_jar() -> Path:
    java = shutil.which("java")
    require(java, "java", "apt-get install -y --no-install-recommends default-jre-headless")
    jar = node_modules() / "vnu-jar" / "build" / "dist" / "vnu.jar"
    require(jar.is_file(), f"the Nu Html Checker ({jar})", NPM_HINT)
    return jar


def _where(message: dict, root: Path) -> str:
    url = str(message.get("url", "?"))
    path = Path(url.removeprefix("file:"))
    name = path.relative_to(root).as_posix() if path.is_relative_to(root) else url
    line = message.get("lastLine", message.get("firstLine", "?"))
    return f"{name}:{line}"


def test_every_page_passes_the_nu_html_checker(demo: Demo) -> None:
    jar = _vnu_jar()
    pages = sorted(demo.output.rglob("*.html"))
    assert pages, "the build has no HTML pages"
    run = subprocess.run(
        ["java", "-jar", str(jar), "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    # The JSON report goes to stderr; exit 1 means "errors found".
    try:
        report = json.loads(run.stderr)
    except json.JSONDecodeError:
        pytest.fail(f"vnu.jar exited {run.returncode} without a JSON report:\n{run.stderr[-4000:]}")
    errors = [m for m in report.get("messages", []) if m.get("type") != "info"]
    listing = "\n".join(f"{_where(m, demo.output)}: {m.get('message', m)}" for m in errors)
    assert not errors, f"{len(errors)} Nu Html Checker error(s) in {len(pages)} pages:\n{listing}"
    assert run.returncode == 0, f"vnu.jar exited {run.returncode}:\n{run.stderr[-4000:]}"
