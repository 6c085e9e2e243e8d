"""Integration tests: software nobody on the team wrote judges the built demo site.

A package (this file) so that its conftest and helpers never collide with
``tests/conftest.py``, which the unit tests import as ``conftest``.
"""
