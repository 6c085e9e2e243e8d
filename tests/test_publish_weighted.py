"""X's weighted length works whether or not setuptools' pkg_resources exists."""

from __future__ import annotations

import subprocess
import sys

from statusgen.publish.weighted import weighted_length


def test_weights_as_x_counts():
    assert weighted_length("a" * 280) == 280
    assert weighted_length("日本") == 4
    assert weighted_length("👩‍👩‍👧") == 2  # one emoji sequence
    assert weighted_length("see https://status.example.ac.uk/incidents/a-very-long-id/") == 27


def test_imports_without_pkg_resources():
    # None in sys.modules makes `import pkg_resources` fail, as with setuptools >= 81.
    code = (
        "import sys; sys.modules['pkg_resources'] = None\n"
        "from statusgen.publish.weighted import weighted_length\n"
        "print(weighted_length('😀 https://example.ac.uk/x'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "26"
