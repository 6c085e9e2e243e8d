"""statusgen: a static site generator for IT service status pages and their feeds."""

__version__ = "0.1.0"
