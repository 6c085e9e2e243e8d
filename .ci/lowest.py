"""Print pyproject.toml's dependencies pinned to their lower bounds, one a line.

CI installs these into a second venv and runs the unit tests there, so each
`>=` in pyproject.toml is a version the suite has passed with, not a guess.
A requirement without a lower bound is printed as written (pip takes the newest).

Usage: python .ci/lowest.py [EXTRA ...] > lowest.txt
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

_LOWER = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*>=\s*(?P<version>[^,;\s]+)"
)


def lowest(pyproject: Path, extras: list[str]) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    pinned = []
    for requirement in requirements:
        match = _LOWER.match(requirement)
        pinned.append(f"{match['name']}=={match['version']}" if match else requirement)
    return pinned


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    print("\n".join(lowest(root / "pyproject.toml", sys.argv[1:])))
