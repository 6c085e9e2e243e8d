"""Where each page lives. Paths here are relative to the site root.

Pages link root-relative through the base URL's path (``/status/...``), so
links work at a domain root and under a sub-path; feeds and the API use
absolute URLs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .model import Entry, EntryKind, SiteConfig

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
"""This machine: where plain http:// and unencrypted SMTP are accepted (SPEC
"Channels": a test server, a relay on the same machine)."""

_FOLDER = {
    EntryKind.INCIDENT: "incidents",
    EntryKind.MAINTENANCE: "incidents",
    EntryKind.NEWS: "news",
}


def entry_path(entry: Entry) -> str:
    """``incidents/<id>/`` or ``news/<id>/``."""
    return f"{_FOLDER[entry.kind]}/{entry.id}/"


def service_path(service_id: str) -> str:
    return f"services/{service_id}/"


def link(config: SiteConfig, path: str = "") -> str:
    """Root-relative link for HTML pages, e.g. ``/status/incidents/x/``."""
    return config.base_path + path


def absolute(config: SiteConfig, path: str = "") -> str:
    """Absolute URL for feeds, the API, the sitemap and posts."""
    return config.base_url + path


def output_file(path: str) -> str:
    """The file that serves a page path: ``incidents/x/`` -> ``incidents/x/index.html``."""
    return path + "index.html" if path.endswith("/") or not path else path


def secure_or_local(url: str) -> bool:
    """An https:// address with a host, or plain http:// to this machine."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return bool(host) and (
        parts.scheme == "https" or (parts.scheme == "http" and host in LOCAL_HOSTS)
    )
