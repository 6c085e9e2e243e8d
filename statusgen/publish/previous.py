"""Reading the builds `publish` compares: this one's manifest, and the previous
build's manifest and ledger from a folder or the live site."""

from __future__ import annotations

import socket
from pathlib import Path

import requests

from ..errors import StatusgenError
from ..manifest import LEDGER_PATH, MANIFEST_PATH, Manifest
from .ledger import Ledger

PREVIOUS_TIMEOUT = 10.0
"""Seconds to wait for the live site when reading the previous build."""


class Unreachable(StatusgenError):
    """The live site did not answer at all (DNS, refused, time-out): not even a 404."""

    def __init__(self, url: str, reason: str, message: str) -> None:
        self.url = url
        self.reason = reason
        """A few words: "host not found", "connection refused", "no answer within 10 s"."""
        super().__init__(f"{url}: {message}")


# --- reading ------------------------------------------------------------------


def read_current(output_dir: Path) -> Manifest:
    """The manifest of the build about to be deployed."""
    path = output_dir / MANIFEST_PATH
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise StatusgenError(f"{path}: no build manifest (run statusgen build first)") from None
    except OSError as exc:
        raise StatusgenError(f"{path}: cannot read ({exc.strerror})") from None
    return _parse(data, str(path))


def read_previous(previous: str) -> tuple[Manifest | None, Ledger]:
    """The previous build's manifest (None: no previous build) and ledger (read-only)."""
    if is_url(previous):
        base = previous if previous.endswith("/") else previous + "/"
        data = _fetch(base + MANIFEST_PATH)
        manifest = None if data is None else _parse(data, base + MANIFEST_PATH)
        try:
            # Read even without a manifest: a ledger there means the 404 is a
            # broken deploy, not a first publish.
            ledger_data = _fetch(base + LEDGER_PATH)
        except Unreachable as exc:
            # The site answered a moment ago: it is deployed, so a dry run
            # must not preview this as a first publish.
            raise StatusgenError(str(exc)) from None
        return manifest, _ledger(ledger_data, base + LEDGER_PATH)
    folder = Path(previous)
    if folder.exists() and not folder.is_dir():
        raise StatusgenError(f"{previous}: not a folder (pass a build's output folder or a URL)")
    path = folder / MANIFEST_PATH
    ledger = Ledger.load(folder / LEDGER_PATH)
    ledger.path = None  # never write into the previous build
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, ledger
    except OSError as exc:
        raise StatusgenError(f"{path}: cannot read ({exc.strerror})") from None
    return _parse(data, str(path)), ledger


def _fetch(url: str) -> bytes | None:
    """The file at `url`; None for 404 (not there); any other failure is an error."""
    try:
        response = requests.get(
            url,
            timeout=PREVIOUS_TIMEOUT,
            headers={"Cache-Control": "no-cache", "User-Agent": "statusgen-publish"},
        )
    except requests.Timeout:
        slow = f"no answer within {PREVIOUS_TIMEOUT:g} s"
        raise Unreachable(url, slow, slow) from None
    except requests.ConnectionError as exc:
        why = _why(exc)
        raise Unreachable(url, why, f"cannot connect ({why})") from None
    except requests.RequestException as exc:
        raise StatusgenError(f"{url}: cannot connect ({type(exc).__name__})") from None
    if response.status_code in (404, 410):
        return None
    if response.status_code != 200:
        raise StatusgenError(
            f"{url}: HTTP {response.status_code} {response.reason or ''}".rstrip()
            + " (cannot read the previous build)"
        )
    return response.content


def _why(exc: BaseException) -> str:
    """The root of a connection failure in words, else the exception's name.

    requests wraps urllib3's MaxRetryError, which wraps the socket error.
    """
    cause: BaseException | None = exc
    for _ in range(6):  # the chain is three or four links deep
        if isinstance(cause, socket.gaierror):
            return "host not found"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if cause is None:
            break
        nested = cause.args[0] if cause.args else None
        cause = (
            getattr(cause, "reason", None)
            or cause.__cause__
            or cause.__context__
            or (nested if isinstance(nested, BaseException) else None)
        )
    return type(exc).__name__


def _parse(data: bytes, where: str) -> Manifest:
    try:
        return Manifest.from_bytes(data)
    except StatusgenError as exc:
        raise StatusgenError(f"{where}: {exc}") from None


def _ledger(data: bytes | None, where: str) -> Ledger:
    if data is None:
        return Ledger()
    try:
        return Ledger.from_bytes(data)
    except StatusgenError as exc:
        raise StatusgenError(f"{where}: {exc}") from None


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
