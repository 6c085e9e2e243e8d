"""Post text for an event: a template filled in, then cut to fit as the target counts.

Templates are ``str.format`` strings, one per event, overridable in
site.toml under ``[publish.templates]`` (keys: `TEMPLATE_EVENTS`, the
`EventKind` values). The placeholders:

``{status}``
    The status word: ``Investigating``, ``Identified``, ``Monitoring``,
    ``Resolved`` for incidents; ``Scheduled maintenance``, ``Maintenance in
    progress``, ``Maintenance: verifying``, ``Maintenance completed`` for
    maintenance; ``News`` for news.
``{title}``
    The entry's title.
``{services}``
    Affected services in catalogue order, ``Email, Webmail and VPN`` (the
    post language's list pattern: `fields`).
``{message}``
    The update's message as plain text (for a first post: the latest update).
``{link}``
    The entry's page, absolute. A thread's first post ends with it: when the
    filled-in template does not, it is added on a line of its own. Replies
    leave it out (``{link}`` is empty, so its line goes), since X bills a post
    with a URL far above one without (`cost`); ``[publish.x] links = "all"``
    puts it in every post, and a reply that stands alone (no first post to
    reply to) keeps it.
``{reference}``
    The helpdesk or change reference, e.g. ``INC-12345``.
``{summary}``
    A news item's summary.
``{window}``
    A maintenance window, ``Sun 29 Nov 2026, 06:00–08:00 GMT`` (for a
    ``maintenance_moved`` post: the new times), in the post's language.

A target with a ``language`` of the site's other languages posts in it: that
catalogue's templates and words, the entry's translated texts where the
manifest has them (`fields.post_fields`).

A window's start, end and moves (``maintenance_started``,
``maintenance_ended``, ``maintenance_moved``) reply to its announcement, with
the status words ``Maintenance in progress``, ``Maintenance completed`` and
``Maintenance rescheduled``.

A template line whose placeholders are all empty is left out, so that
``Affected: {services}`` disappears from a news post and ``{message}`` from
an incident opened without updates.

A post must fit the target's limit as the target counts it. X weighs with
twitter-text: 280 in all, a URL 23 whatever its length, CJK characters and
emoji 2. When the text is too long the message (or summary) is cut at a
word boundary with "…" (CJK text, which has no spaces, between characters;
never inside an emoji or accented letter), keeping its first 80 characters;
then the service list shortens to ``Email, Webmail and 3 more``; then the
message is cut further, to nothing if need be; then the title (never to
nothing). The link never is. A template whose fixed text alone does not
fit is refused.

``post_text`` replaces the composed text of an entry's *first* post (with
the link added when it does not end with it). Later posts in the thread are
composed: reusing one text would be refused by X as a duplicate. A
``post_text`` is never cut; one that does not fit is refused here and
reported by `statusgen check` (`post_text_problems`).

Every post passes the privacy rules: a match of ``privacy.forbidden`` refuses
it, naming the source file and line the text came from.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from ..config import CONFIG_NAME, _KeyLines
from ..errors import Problem, StatusgenError
from ..i18n.strings import Strings, strings_for
from ..languages import suffix
from ..manifest import EntryRecord, Manifest
from ..model import Site, SiteConfig
from ..urls import absolute, entry_path
from .diff import (
    ENDED,
    RESOLUTION,
    STARTED,
    Event,
    EventKind,
    event_for,
    first_event,
    move_key,
    resolving_update,
    update_event,
    window_event,
)
from .fields import post_fields, service_variants
from .shorten import ELLIPSIS as ELLIPSIS  # re-exported: tests
from .shorten import shorten as _shorten
from .weighted import parse_tweet

X_LIMIT = 280
"""X's limit in weighted characters."""

PLACEHOLDERS = ("status", "title", "services", "message", "link", "reference", "summary", "window")

DEFAULT_TEMPLATES: Mapping[str, str] = {
    EventKind.OPENED: "{status}: {title}\nAffected: {services}\n{message}\n{link}",
    EventKind.UPDATED: "Update on {title} ({services})\n{status}: {message}\n{link}",
    EventKind.RESOLVED: "Resolved: {title} ({services})\n{message}\n{link}",
    EventKind.SCHEDULED: (
        "{status}: {title}\nWhen: {window}\nAffected: {services}\n{message}\n{link}"
    ),
    EventKind.MAINTENANCE_UPDATE: "Update on {title} ({services})\n{status}: {message}\n{link}",
    EventKind.MAINTENANCE_STARTED: "{status}: {title} ({services})\nWhen: {window}\n{link}",
    EventKind.MAINTENANCE_ENDED: "{status}: {title} ({services})\n{link}",
    EventKind.MAINTENANCE_MOVED: "{status}: {title} ({services})\nNow: {window}\n{link}",
    EventKind.NEWS: "{title}\n{summary}\n{link}",
}

MESSAGE_FLOOR = 80
"""Characters of a message kept while the service list is still whole."""
_FORMATTER = string.Formatter()

Weigh = Callable[[str], int]


@dataclass(frozen=True)
class Post:
    text: str
    """Exactly what is sent."""
    reply_to_entry: bool
    """True for updates and resolutions: reply to the entry's first post when there is one."""
    length: int
    """Weighted length as the target counts it."""
    key: str = ""
    """The event's stable identity, ``<entry ref>#<event key>``: what a target
    derives its duplicate guards from (Idempotency-Key, Message-ID, record key)."""
    kind: str = ""
    """The `EventKind` value."""
    fields: Mapping[str, str] = field(default_factory=dict)
    """The template's placeholders, in full (`PLACEHOLDERS`): what a target with
    room for structure (a card, a mail subject) builds from besides `text`."""
    language: str = ""
    """The BCP 47 tag of the language it is written in (Bluesky's ``langs``)."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """The words around `fields` in that language (``post_labels.*``: a card's
    fact names and button, a mail's subject pattern); empty: English's."""


class PostRefused(StatusgenError):
    """A post that must not be sent: does not fit, breaks a privacy rule, bad template."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def x_weighted_length(text: str) -> int:
    """Length as X counts it (twitter-text v3 weights)."""
    return parse_tweet(text).weightedLength


def compose(
    event: Event,
    config: SiteConfig,
    *,
    weigh: Weigh = x_weighted_length,
    limit: int = X_LIMIT,
    threaded: bool = True,
    templates: Mapping[str, str] | None = None,
    templates_field: str = "publish.templates",
    links: str | None = None,
    label: str = "X",
    language: str | None = None,
) -> Post:
    """The post for `event`; raises `PostRefused` with a `Problem` when it must not be sent.

    `threaded`: a reply will go under the entry's first post (False: it stands
    alone, so it carries the link like a first post). A target's own
    `templates` (named `templates_field` in problems) come before
    ``[publish.templates]``; `links` is ``"first"`` or ``"all"`` (default:
    ``[publish.x] links``; targets that do not bill for links use "all");
    `label` names the target in a too-long problem. `language` (a tag of
    ``other_languages``; None or the main language: the site's) is the target's:
    its catalogue's words and templates, the entry's texts in it where the
    manifest has them (else the main language's), its edition's link; the
    main language's ``post_text`` and ``[publish.templates]`` are not used.

    The privacy rules search the text and every field (a target with room for
    structure, a card or a mail, sends fields the text has cut)."""
    entry = event.entry
    reply = not event.is_first
    other = language if language and language != config.language else None
    t = strings_for(config, other)  # the site's language: DEFAULT_TEMPLATES is its English
    fields = post_fields(event, config, t, other)
    key, post_text = "post_text", entry.post_text
    if other is not None:  # that language's own, or none: the main language's is not it
        texts = entry.texts_in(other)
        key, post_text = f"post_text_{suffix(other)}", texts.post_text if texts else None
    if event.is_first and post_text:
        text = with_link(post_text, fields["link"])
        length = weigh(text)
        if length > limit:
            line = entry.line_of(key)
            raise PostRefused(_too_long(entry.source, line, length, limit, label, key))
        _check_privacy(event, text, config, {"post_text": post_text})
        _check_privacy(event, "\n".join(fields.values()), config, fields)
        return Post(
            text, reply, length, _identity(event), event.kind.value, fields, t.tag, _labels(t)
        )

    name = event.kind.value
    own = templates or {}
    shared = config.publish.templates if other is None else {}
    template = own.get(name) or shared.get(name, t.pattern(f"post.{name}"))
    field = templates_field if name in own else "publish.templates"
    problem = _template_problem(name, template, field)
    if problem:
        raise PostRefused(problem)
    full = dict(fields)
    if reply and threaded and (links or config.publish.x.links) == "first":
        fields["link"] = ""
    text = _fit(template, fields, service_variants(entry.services, t), weigh, limit)
    if text is None:
        raise PostRefused(
            Problem(
                CONFIG_NAME,
                None,
                f"{field}.{name}",
                f"the {name} post for {entry.ref} does not fit in {limit} characters "
                "even with the message, services and title cut (shorten the template)",
            )
        )
    _check_privacy(event, text, config, fields, field)
    _check_privacy(event, "\n".join(full.values()), config, full, field)
    return Post(text, reply, weigh(text), _identity(event), name, fields, t.tag, _labels(t))


LABELS = ("status", "services", "window", "reference", "button", "subject")
"""The ``post_labels`` keys: what a target with room for structure writes around the fields."""


def _labels(t: Strings) -> dict[str, str]:
    return {key: t.pattern(f"post_labels.{key}") for key in LABELS}


def _identity(event: Event) -> str:
    return f"{event.entry.ref}#{event.key}"


def with_link(text: str, link: str) -> str:
    """`text` ending with `link`, on a line of its own when it has to be added."""
    text = text.rstrip()
    if text.endswith(link):
        return text
    return f"{text}\n{link}" if text else link


# --- checks for `statusgen check` ---------------------------------------------------------


def post_text_problems(site: Site) -> list[Problem]:
    """Hand-written post texts that would be refused, whether or not a target is on
    today: a text written while posting is off must not fail the day it is
    switched on."""
    config = site.config
    problems: list[Problem] = []
    for entry in (*site.incidents, *site.maintenances, *site.news):
        if not entry.post_text or not entry.post:
            continue
        line = entry.source.lines.get("post_text")
        text = with_link(entry.post_text, absolute(config, entry_path(entry)))
        length = x_weighted_length(text)
        if length > X_LIMIT:
            problems.append(_too_long(entry.source.path, line, length, X_LIMIT))
        for number, pattern in enumerate(config.privacy.forbidden, 1):
            if pattern.search(entry.post_text):
                problems.append(
                    Problem(entry.source.path, line, "post_text", _privacy_message(number, pattern))
                )
    return problems


def template_problems(config: SiteConfig) -> list[Problem]:
    """Templates in site.toml that cannot be filled in (unknown placeholder, stray
    brace): ``[publish.templates]`` and every target's own, enabled or not."""
    tables = _template_tables(config)
    found = (_template_problem(n, t, table) for table, own in tables for n, t in own.items())
    return [p for p in found if p is not None]


def _template_tables(config: SiteConfig) -> list[tuple[str, Mapping[str, str]]]:
    """Every table of templates in site.toml, by its name there."""
    publish = config.publish
    return [
        ("publish.templates", publish.templates),
        ("publish.mastodon.templates", publish.mastodon.templates),
        ("publish.bluesky.templates", publish.bluesky.templates),
        *(
            (f"publish.webhooks[{n}].templates", h.templates)
            for n, h in enumerate(publish.webhooks, 1)
        ),
        ("publish.email.templates", publish.email.templates),
    ]


def foreseen_problems(manifest: Manifest, config: SiteConfig) -> list[Problem]:
    """The privacy refusals publish would meet, found by `statusgen check` and build.

    A template's own text is searched first: a match there refuses every post of
    that event, so it is one problem at the template's line in site.toml, and its
    posts are not composed. Then every post publish can foresee for each entry
    that posts (its first post, one per update, and a resolution given by
    ``resolved:`` alone) is filled in and searched, and a refusal names the field
    (or the template, when only the filled-in text matches) as `compose` does.
    First posts with a ``post_text`` are `post_text_problems`' to report.

    The posts are searched as filled in, before any cutting to fit: cutting only
    removes text, so it cannot make a match, and a match only the uncut text
    holds is in a page too. This skips twitter-text, which costs about 3 ms a
    post: two minutes for the 37,000 posts of a site of 10,000 incidents.
    """
    if not config.privacy.forbidden:
        return []
    problems, skipped = foreseen_template_problems(config)
    words = strings_for(config)
    for record in manifest.entries:
        problems |= foreseen_record_problems(record, config, skipped, words)
    return sorted(problems)


def foreseen_template_problems(config: SiteConfig) -> tuple[set[Problem], set[str]]:
    """`foreseen_problems` of the templates' own texts, and the events whose posts
    are not composed (a template that is refused whole, or reported elsewhere)."""
    rules = config.privacy.forbidden
    problems: set[Problem] = set()
    skipped: set[str] = set()
    lines: _KeyLines | None = None
    for table, own in _template_tables(config):
        for name, template in own.items():
            if _template_problem(name, template, table) is not None:
                skipped.add(name)  # `template_problems` reports it
                continue
            literal = "\0".join(text for text, _, _, _ in _FORMATTER.parse(template))
            for number, pattern in enumerate(rules, 1):
                if pattern.search(literal):
                    lines = lines or _site_toml_lines(config)
                    line = lines.find(name, table) if "[" not in table else None
                    message = _privacy_message(number, pattern)
                    problems.add(Problem(CONFIG_NAME, line, f"{table}.{name}", message))
                    if table == "publish.templates":
                        skipped.add(name)
                    break
    return problems, skipped


def foreseen_record_problems(
    record: EntryRecord, config: SiteConfig, skipped: set[str], words: Strings
) -> set[Problem]:
    """`foreseen_problems` of one entry's posts: a function of its record and the
    configuration alone (`skipped` is `foreseen_template_problems`', `words` the
    site's `strings_for`)."""
    problems: set[Problem] = set()
    if not record.post:
        return problems
    lines: _KeyLines | None = None
    for event in _foreseen_events(record):
        name = event.kind.value
        if name in skipped or (event.is_first and record.post_text):
            continue
        fields = post_fields(event, config, words)
        template = config.publish.templates.get(name, words.pattern(f"post.{name}"))
        text = _render(template, fields)
        try:
            _check_privacy(event, text, config, fields)
            # Cards and mails send the fields uncut, whatever the template holds.
            _check_privacy(event, "\n".join(fields.values()), config, fields)
        except PostRefused as exc:
            problem = exc.problem
            if problem.path == CONFIG_NAME and problem.field.startswith("publish.templates."):
                lines = lines or _site_toml_lines(config)
                line = lines.find(name, "publish.templates")
                problem = Problem(problem.path, line, problem.field, problem.message)
            problems.add(problem)
    return problems


def _foreseen_events(record: EntryRecord) -> Iterator[Event]:
    """Every event of `record` that publish can post, as `diff.events` makes them."""
    yield first_event(record)
    for number in range(1, len(record.updates) + 1):
        event = update_event(record, number)
        if event is not None:
            yield event
    if resolving_update(record) is None:
        resolution = event_for(record, RESOLUTION)
        if resolution is not None:
            yield resolution
    keys = [STARTED, ENDED, *(move_key(n) for n in range(1, len(record.moves) + 1))]
    for key in keys:
        lifecycle = window_event(record, key)
        if lifecycle is not None:
            yield lifecycle


def _site_toml_lines(config: SiteConfig) -> _KeyLines:
    try:
        return _KeyLines((config.root / CONFIG_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return _KeyLines("")


# --- filling in -------------------------------------------------------------------------


def _render(template: str, fields: Mapping[str, str]) -> str:
    lines = []
    for line in template.split("\n"):
        names = [name for _, name, _, _ in _FORMATTER.parse(line) if name is not None]
        if names and not any(fields[n] for n in names):
            continue
        lines.append(line.format_map(fields).rstrip())
    return with_link("\n".join(lines).strip(), fields["link"])


def _fit(
    template: str, fields: dict[str, str], services: Iterator[str], weigh: Weigh, limit: int
) -> str | None:
    """The filled-in template cut to `limit`, in the order the module docstring gives."""
    used = {name for _, name, _, _ in _FORMATTER.parse(template) if name}
    fields = dict(fields)

    def fits(values: Mapping[str, str]) -> bool:
        return weigh(_render(template, values)) <= limit

    if fits(fields):
        return _render(template, fields)
    # 1. the message (or summary), keeping its first words for now;
    # 2. the service list; 3. the message, to nothing if need be; 4. the title.
    for floor in (MESSAGE_FLOOR, 0):
        for name in ("message", "summary"):
            if name in used and fields[name]:
                fields[name] = _shorten(
                    fields[name], lambda v, n=name: fits({**fields, n: v}), floor
                )
                if fits(fields):
                    return _render(template, fields)
        if floor and "services" in used:
            for variant in services:
                fields["services"] = variant
                if fits(fields):
                    return _render(template, fields)
    if "title" in used:
        # Never to nothing: a template line with an empty title would vanish.
        fields["title"] = _shorten(fields["title"], lambda v: fits({**fields, "title": v}))
        if fields["title"] and fits(fields):
            return _render(template, fields)
    return None


# --- problems ------------------------------------------------------------------------


def _too_long(
    path: str, line: int | None, length: int, limit: int, label: str = "X", key: str = "post_text"
) -> Problem:
    return Problem(
        path,
        line,
        key,
        f"is {length} characters as {label} counts them (at most {limit} with the link)",
    )


def _template_problem(name: str, template: str, table: str = "publish.templates") -> Problem | None:
    field = f"{table}.{name}"
    known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:
        return Problem(CONFIG_NAME, None, field, f"{exc} (write {{{{ and }}}} for a brace)")
    for _, placeholder, _, _ in parsed:
        if placeholder is not None and placeholder not in PLACEHOLDERS:
            message = f"unknown placeholder {{{placeholder}}} (known: {known})"
            return Problem(CONFIG_NAME, None, field, message)
    return None


def _privacy_message(number: int, pattern: object) -> str:
    regex = getattr(pattern, "pattern", pattern)
    return (
        f"matches privacy.forbidden[{number}] ({regex!r}): the post is not sent (remove the text)"
    )


def _check_privacy(
    event: Event,
    text: str,
    config: SiteConfig,
    fields: Mapping[str, str],
    templates_field: str = "publish.templates",
) -> None:
    """Refuse a post that a privacy rule forbids, naming where the text came from."""
    entry = event.entry
    for number, pattern in enumerate(config.privacy.forbidden, 1):
        if not pattern.search(text):
            continue
        # The raw value a field came from, before any cutting, and where it lives.
        origins: list[tuple[str, str, int | None, str]] = []
        if "post_text" in fields:
            line = entry.line_of("post_text")
            origins.append((fields["post_text"], entry.source, line, "post_text"))
        else:
            origins.append((entry.title, entry.source, entry.line_of("title"), "title"))
            if event.update is not None:
                key = f"updates[{entry.update_number(event.update.key)}].message"
                origins.append((event.update.message, entry.source, entry.line_of(key), key))
            origins += [
                (entry.summary or "", entry.source, entry.line_of("summary"), "summary"),
                (entry.reference or "", entry.source, entry.line_of("reference"), "reference"),
                (" ".join(entry.services), CONFIG_NAME, None, "services"),
            ]
        # The link: the entry's id (its file name), else site.toml's address.
        origins.append((entry.ref.split("/", 1)[-1], entry.source, None, "file name"))
        origins.append((entry.link, CONFIG_NAME, None, "base_url"))
        template = (CONFIG_NAME, None, f"{templates_field}.{event.kind.value}")
        path, line, field = next(
            ((p, n, f) for value, p, n, f in origins if value and pattern.search(value)), template
        )
        raise PostRefused(Problem(path, line, field, _privacy_message(number, pattern)))
