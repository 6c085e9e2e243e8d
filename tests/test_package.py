"""The installed package carries everything a site needs: theme and scaffold."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from statusgen import __version__
from statusgen.i18n.catalogue import SHIPPED

REPO = Path(__file__).resolve().parent.parent


def test_wheel_ships_the_theme_and_the_scaffold(tmp_path):
    # No build isolation: the venv's setuptools builds it, so no network is needed.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("statusgen-*.whl")
    # The name that the requirements.txt written by init suggests committing.
    assert wheel.name == f"statusgen-{__version__}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = REPO / "statusgen" / "themes" / "default"
    for path in sorted(theme.rglob("*")):
        if path.is_file():
            assert f"statusgen/themes/default/{path.relative_to(theme).as_posix()}" in names
    for required in (
        "statusgen/py.typed",
        "statusgen/render/banner.js",
        "statusgen/scaffold/site.toml",
        "statusgen/scaffold/.gitignore",
        "statusgen/scaffold/.gitlab-ci.yml",
        "statusgen/scaffold/.github/workflows/status.yml",
        "statusgen/scaffold/requirements.txt",
        "statusgen/scaffold/README.md",
        *(f"statusgen/locales/{language}.toml" for language in SHIPPED),
    ):
        assert required in names
