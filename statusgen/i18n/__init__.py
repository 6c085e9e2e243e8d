"""statusgen's words in the reader's language: catalogues (`catalogue`), the
`Strings` every renderer takes (`strings`), and what check says of them (`problems`)."""

from __future__ import annotations

from .strings import Strings, strings_for

__all__ = ["Strings", "strings_for"]
