"""The command line: arguments in, lines out, an exit code. The only module that prints.

Exit codes: 0 success; 1 the site has problems or a command failed;
2 wrong usage; 3 an internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import __version__
from .credentials import SECRET_VARIABLES
from .errors import Problem, ProblemsError, StatusgenError

if TYPE_CHECKING:
    from .model import SiteConfig
    from .report import Forge

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
REPORTING = ("check", "build")
"""The commands whose problems also go to the forge (annotations, Code Quality report)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit code (never raises for a user's mistake)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed usage or --help
        return int(exc.code or 0)
    out = _Printer(sys.stdout, sys.stderr, _forge(args))
    try:
        return _run(args, out)
    except ProblemsError as exc:
        out.problems(exc.problems)
        return EXIT_FAILED
    except StatusgenError as exc:
        out.error(f"error: {exc}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        out.error("interrupted")
        return 130
    except Exception as exc:
        if args.debug:
            out.error(traceback.format_exc().rstrip())
        out.error(
            f"internal error: {type(exc).__name__}: {exc} "
            "(a bug in statusgen: please report it; --debug shows the traceback)"
        )
        return EXIT_INTERNAL


def _forge(args: argparse.Namespace) -> Forge | None:
    if args.command not in REPORTING:
        return None
    from .report import Forge

    return Forge.from_env(os.environ, args.site, args.report)


def _run(args: argparse.Namespace, out: _Printer) -> int:
    """Run the command; check and build then write the report of every problem they printed.

    The report is written with no problems too (an empty array), so a
    problem fixed in this commit leaves the merge request widget.
    """
    if out.forge is None or out.forge.report is None:
        return args.handler(args, out)
    try:
        code = args.handler(args, out)
    except ProblemsError as exc:
        out.problems(exc.problems)
        code = EXIT_FAILED
    out.write_report()
    return code


class _Printer:
    """Prints lines, with every secret from the environment masked.

    Problems go to stderr as plain lines and, under GitHub Actions, to
    stdout as workflow commands too (GitHub reads those from stdout only).
    """

    def __init__(self, stdout: TextIO, stderr: TextIO, forge: Forge | None = None) -> None:
        self.stdout, self.stderr = stdout, stderr
        self._secrets = [v for k in SECRET_VARIABLES if len(v := os.environ.get(k, "")) >= 4]
        self.forge = forge
        self.reported: list[Problem] = []
        """Every problem printed so far, masked: the Code Quality report's content."""

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def line(self, text: str) -> None:
        print(self._mask(text), file=self.stdout, flush=True)

    def error(self, text: str) -> None:
        print(self._mask(text), file=self.stderr, flush=True)

    def problems(self, problems: Iterable[Problem]) -> None:
        # Masked before escaping: `%3A` in an annotation would hide a secret's `:`.
        problems = [self._masked(p) for p in problems]
        github = self.forge if self.forge is not None and self.forge.annotate else None
        if github is not None:
            from .report import annotation
        for problem in problems:
            self.error(str(problem))
            if github is not None:
                self.line(annotation(problem, github.locate(problem.path)))
        self.reported.extend(problems)
        errors = sum(p.is_error for p in problems)
        warnings = sum(p.is_warning for p in problems)
        notes = len(problems) - errors - warnings
        counts = f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
        self.error(counts + (f", {_count(notes, 'note')}" if notes else ""))

    def write_report(self) -> None:
        """Write the Code Quality report, if asked for; a failure is a `StatusgenError`."""
        if self.forge is None or self.forge.report is None:
            return
        from .report import code_quality, write_code_quality

        located = [(p, self.forge.locate(p.path)) for p in self.reported]
        write_code_quality(self.forge.report, code_quality(located))

    def _masked(self, problem: Problem) -> Problem:
        if not self._secrets:
            return problem
        return dataclasses.replace(
            problem,
            path=self._mask(problem.path),
            field=self._mask(problem.field),
            message=self._mask(problem.message),
        )


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


# --- commands -----------------------------------------------------------------
# Each handler imports its stage when it runs: `check` should not pay for
# importing tweepy and requests.


def _check(args: argparse.Namespace, out: _Printer) -> int:
    from .build import check_site
    from .status import derive

    result = check_site(args.site, now=args.now)
    problems = result.problems
    if problems:
        out.problems(problems)
    if any(p.is_error for p in problems) or result.site is None or result.now is None:
        return EXIT_FAILED
    if args.strict and any(p.is_warning for p in problems):
        out.error("--strict: warnings count as errors")
        return EXIT_FAILED
    site, held = result.site, len(result.held_back)
    ongoing = len(derive(site, result.now).ongoing)
    entries = (*site.incidents, *site.maintenances, *site.news, *result.held_back)
    drafts = sum(e.draft for e in entries)
    counts = [
        f"{_count(len(site.incidents), 'incident')} ({ongoing} ongoing)",
        f"{len(site.maintenances)} maintenance",
        f"{len(site.news) + held} news" + (f" ({held} held back)" if held else ""),
        _count(len(site.config.services), "service"),
    ]
    if drafts:
        counts.append(_count(drafts, "draft"))
    for line in _targets(site.config):
        out.line(line)
    out.line("ok: " + ", ".join(counts))
    return EXIT_OK


def _targets(config: SiteConfig) -> list[str]:
    """A line per enabled publish target: the environment variables it reads
    its secrets from (their names only: check runs where secrets are not set)."""
    publish = config.publish
    switches = (publish.x, publish.mastodon, publish.bluesky, publish.email, *publish.webhooks)
    if not any(t.enabled for t in switches):
        return []  # nothing to import for a site that does not post
    from .publish.channels import channels

    return [
        f"publish to {c.label}: secrets from {', '.join(c.secret_names()) or 'none'}"
        for c in channels(config)
    ]


def _build(args: argparse.Namespace, out: _Printer) -> int:
    from .build import build

    windows = None
    if args.previous is not None:
        windows = _previous_windows(args, out)
    result = build(args.site, output=args.output, now=args.now, drafts=args.drafts, windows=windows)
    if result.warnings:
        out.problems(result.warnings)
        if args.strict:
            out.error("--strict: warnings count as errors; the output was written")
            return EXIT_FAILED
    out.line(f"built {result.files} files ({result.bytes / 1024:.0f} KiB) in {result.output}")
    return EXIT_OK


def _previous_windows(args: argparse.Namespace, out: _Printer) -> dict:
    """``build --previous``: the windows of the live site's (or a folder's) manifest.

    A site not deployed yet (no manifest, or no answer at all) has no history:
    the build goes on with SEQUENCE 0 and no moves, saying so, since failing
    here would keep the first deploy from ever happening. Any other answer is
    an error, as for publish.
    """
    from .config import load_config
    from .manifest import windows_of
    from .publish.previous import Unreachable, read_previous

    previous = args.previous
    if previous is _LIVE:
        previous = load_config(args.site).base_url
    assert isinstance(previous, str)
    try:
        manifest, _ = read_previous(previous)
    except Unreachable as exc:
        out.line(f"previous build: cannot reach {previous} ({exc.reason}); no window history")
        return {}
    if manifest is None:
        out.line(f"previous build: no manifest at {previous}; no window history")
    return windows_of(manifest)


_LIVE = object()
"""``build --previous`` without a value: the live site at site.toml's base_url."""


def _publish(args: argparse.Namespace, out: _Printer) -> int:
    from .config import load_config
    from .publish import run_publish

    config = load_config(args.site)
    output = args.output or config.output_dir
    previous = args.previous or config.base_url
    lines = run_publish(
        config, output, previous, dry_run=args.dry_run, env=os.environ, retry=args.retry
    )
    for line in lines:
        out.line(line)
    return EXIT_OK


def _init(args: argparse.Namespace, out: _Printer) -> int:
    from .scaffold import init_site

    written = init_site(args.directory)
    for path in written:
        out.line(f"created {path}")
    out.line(
        f"next: cd {args.directory} && statusgen serve; then set base_url in site.toml "
        "and push (README: Getting started)"
    )
    return EXIT_OK


def _new(args: argparse.Namespace, out: _Printer) -> int:
    from datetime import UTC, datetime

    from .config import load_config
    from .scaffold import UnknownServices, new_entry

    config = load_config(args.site)
    services = None
    if args.services is not None:
        services = [s.strip() for s in args.services.split(",") if s.strip()]
    try:
        path = new_entry(config, args.kind, " ".join(args.title), services, datetime.now(UTC))
    except UnknownServices as exc:
        for message in exc.messages:
            out.error(f"error: {message}")
        return EXIT_FAILED
    out.line(str(path))
    return EXIT_OK


def _serve(args: argparse.Namespace, out: _Printer) -> int:
    import shutil
    import signal
    import tempfile
    import threading
    import time

    from .build import build
    from .cache import Session
    from .config import CONFIG_NAME
    from .serve import RebuildResult, serve

    root: Path = args.site
    if not (root / CONFIG_NAME).is_file():
        out.error(f"error: no {CONFIG_NAME} in {root} (run statusgen init, or pass --site DIR)")
        return EXIT_FAILED
    # Never the site's own output folder: serving must not clobber public/.
    scratch = Path(tempfile.mkdtemp(prefix="statusgen-serve-"))
    output = scratch / "site"
    address = ""

    def ready(url: str) -> None:
        nonlocal address
        address = url
        out.line(f"serving {root} at {url} (Ctrl-C to stop)")

    session = Session()  # the warm cache every rebuild of this server shares

    def rebuild() -> RebuildResult:
        started = time.perf_counter()
        try:
            result = build(
                root, output=output, drafts=args.drafts, base_url=address, session=session
            )
        except ProblemsError as exc:
            out.problems(exc.problems)
            out.error("build failed: the browser shows the problems until a rebuild succeeds")
            return RebuildResult(False, tuple(str(p) for p in exc.problems))
        except StatusgenError as exc:
            out.error(f"error: {exc}")
            return RebuildResult(False, (f"error: {exc}",))
        except Exception as exc:  # a bug in the build must not stop the server
            if args.debug:
                out.error(traceback.format_exc().rstrip())
            message = f"internal error: {type(exc).__name__}: {exc} (a bug in statusgen)"
            out.error(message)
            return RebuildResult(False, (message,))
        if result.warnings:
            out.problems(result.warnings)
        out.line(f"built {result.files} files in {time.perf_counter() - started:.2f} s")
        return RebuildResult(True, tuple(str(w) for w in result.warnings))

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # `kill` stops as cleanly as Ctrl-C

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, terminate)
    watch = [root / CONFIG_NAME, root / "content", root / "themes"]
    try:
        serve(rebuild, output, watch, port=args.port, bind=args.bind, on_ready=ready)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    out.line("stopped")
    return EXIT_OK


# --- arguments ----------------------------------------------------------------


def _site_dir(text: str) -> Path:
    return Path(text)


def _report_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--report",
        type=Path,
        metavar="PATH",
        help="also write the problems as a GitLab Code Quality report "
        "(under GitLab CI by default: gl-code-quality-report.json)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="statusgen",
        description="Build an IT service status page, its feeds and API from Markdown files.",
    )
    parser.add_argument("--version", action="version", version=f"statusgen {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--site",
        type=_site_dir,
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="the site folder (default: the current folder)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the traceback of an internal error",
    )
    parser.add_argument("--site", type=_site_dir, default=Path("."), metavar="DIR")
    parser.add_argument("--debug", action="store_true", default=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Callable[..., int], help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help, description=help)
        sub.set_defaults(handler=handler)
        return sub

    check = command("check", _check, "validate everything, print every problem, build nothing")
    check.add_argument(
        "--now", metavar="TIME", help="check against this build time, e.g. '2026-11-24 12:00'"
    )
    check.add_argument("--strict", action="store_true", help="warnings fail too")
    _report_option(check)

    build = command("build", _build, "render the site into the output folder")
    build.add_argument(
        "--output", type=Path, metavar="DIR", help="output folder (site.toml's output)"
    )
    build.add_argument("--now", metavar="TIME", help="pin the build time, e.g. '2026-11-24 12:00'")
    build.add_argument("--drafts", action="store_true", help="include draft entries")
    build.add_argument("--strict", action="store_true", help="warnings fail the build")
    build.add_argument(
        "--previous",
        nargs="?",
        const=_LIVE,
        metavar="PATH|URL",
        help="the previous build, for calendar SEQUENCE and window moves: a folder or "
        "the live site (alone: base_url; default: the output folder)",
    )
    _report_option(build)

    publish = command("publish", _publish, "post what changed since the previous build")
    publish.add_argument(
        "--previous",
        metavar="PATH|URL",
        help="the previous build: a folder or the live site (default: base_url)",
    )
    publish.add_argument("--output", type=Path, metavar="DIR", help="this build's output folder")
    publish.add_argument("--dry-run", action="store_true", help="print the posts, send nothing")
    publish.add_argument(
        "--retry",
        action="append",
        default=[],
        metavar="REF",
        help="send a refused post again: incidents/<id> or incidents/<id>#<event> (repeatable)",
    )

    init = command("init", _init, "write a new site: settings, examples and CI workflows")
    init.add_argument("directory", type=Path, metavar="DIR", help="a new or empty folder")

    new = command("new", _new, "write a new incident, maintenance or news file to fill in")
    new.add_argument("kind", choices=("incident", "maintenance", "news"), help="what to write")
    new.add_argument(
        "title", nargs="+", metavar="TITLE", help="the title (quote it if it holds # ' or \")"
    )
    new.add_argument(
        "--services", metavar="A,B", help="service ids (default: the first in site.toml)"
    )

    serve = command("serve", _serve, "build, serve locally, rebuild and reload on change")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free)")
    serve.add_argument(
        "--bind", default="127.0.0.1", metavar="ADDRESS", help="address (default 127.0.0.1)"
    )
    serve.add_argument("--drafts", action="store_true", help="include draft entries")
    return parser


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
