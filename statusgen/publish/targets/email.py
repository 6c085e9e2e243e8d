"""E-mail as a publish target: one message per event to a list, over SMTP (stdlib).

``[publish.email]`` names the recipients (usually one announcement list),
the sender (site.toml's ``from``), the relay's ``host`` and ``port`` and its
``security``: ``starttls`` (port 587, the submission port: STARTTLS is
required, and a relay that does not offer it is refused rather than spoken
to in clear), ``tls`` (port 465, TLS from the first byte) or ``none`` (only
to 127.0.0.1 or localhost: a relay on the same machine, or tests). The
relay's certificate is checked against the system's trust store. When
``SMTP_USERNAME`` and ``SMTP_PASSWORD`` are set in the environment the
target logs in after TLS; neither appears in any message or repr.

One SMTP connection per run: opened on the first `send`, reused for every
later one, ended by `close`. A connection that failed is dropped, so the
next attempt connects again.

Each message is ``multipart/alternative``: the composed text as the plain
part, and an HTML part made from the same text (escaped, URLs made links).
The subject is ``[Status] Investigating: Email delays`` (the status word and
the title). The ``Message-ID`` is derived from the event key and the
sender's domain, so a message sent again after a lost ledger record carries
the same id and a list or mail client can drop it; updates carry
``In-Reply-To`` and ``References`` to the entry's first message (its id is
what `send` returned and the ledger gives back as `reply_to`), so mail
clients thread them. ``Auto-Submitted: auto-generated`` (RFC 3834) keeps
out-of-office replies away. ``List-Unsubscribe`` is the list's to add: a
list server rewrites it for each subscriber.

SMTP failures map onto the `Target` failures:

=======================================  =======================================
4xx replies, refused connection, timeout  `TransientError` (reconnect next time)
5xx to the login                          `PermanentError` (check the secrets)
5xx to the sender (``MAIL FROM``)         `PermanentError` (every message would be)
5xx to every recipient, or to the data    `Refused` (this message)
certificate not trusted, no STARTTLS      `PermanentError`
=======================================  =======================================
"""

from __future__ import annotations

import hashlib
import html
import re
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, getaddresses, parseaddr

from ...model import EmailConfig
from ...urls import LOCAL_HOSTS
from ..compose import Post
from . import PermanentError, Refused, TransientError

CREDENTIALS = ("SMTP_USERNAME", "SMTP_PASSWORD")
"""Environment variables with the relay's login, when it wants one."""

SECURITY = ("starttls", "tls", "none")
SMTP_TIMEOUT = 30.0
"""Seconds any one SMTP step (connect, a command, the data) may take."""

LIMIT = 10000
"""Characters of composed text: mail sets no limit, this keeps a runaway message out."""

_URL = re.compile(r"https?://[^\s<>\"']+")
_URL_TAIL = ".,;:!?)]}'"
_HTML_HEAD = '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n<body>\n'
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")


def secret_names(settings: EmailConfig) -> tuple[str, ...]:
    """The relay's login: optional (a relay on campus may accept by address alone)."""
    return CREDENTIALS


def offline_limit(settings: EmailConfig) -> int:
    return LIMIT


def weighted_length(text: str) -> int:
    return len(text)


class EmailTarget:
    """Mails each event to the list; see the module docstring."""

    name = "email"
    label = "e-mail"
    threads = True
    limit = LIMIT

    def __init__(
        self,
        settings: EmailConfig,
        *,
        login: tuple[str, str] | None = None,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self._settings = settings
        self._login = login
        self._context = context
        self._smtp: smtplib.SMTP | None = None
        self._sender = parseaddr(settings.sender)[1]
        self._domain = self._sender.rpartition("@")[2]

    @classmethod
    def from_config(
        cls,
        settings: EmailConfig,
        env: Mapping[str, str],
        *,
        context: ssl.SSLContext | None = None,
    ) -> EmailTarget:
        """A target for `settings`; no network. `context`: the TLS context (tests
        pass one trusting their own certificate; default: the system's store)."""
        problems = _settings_problem(settings)
        if problems:
            raise PermanentError(f"publish.email: {problems}")
        username = (env.get("SMTP_USERNAME") or "").strip()
        password = env.get("SMTP_PASSWORD") or ""
        if bool(username) != bool(password):
            given, missing = CREDENTIALS if username else CREDENTIALS[::-1]
            raise PermanentError(f"publish.email: {given} is set but {missing} is not")
        login = (username, password) if username else None
        return cls(settings, login=login, context=context)

    def __repr__(self) -> str:
        s = self._settings
        return f"EmailTarget(host={s.host!r}, port={s.port!r}, security={s.security!r})"

    def weighted_length(self, text: str) -> int:
        return weighted_length(text)

    def send(self, post: Post, reply_to: str | None) -> str:
        message = build_message(post, reply_to, self._settings)
        with self._mapped():
            smtp = self._connection()
            # A partial refusal (some recipients took it) still delivered the
            # event: it counts as sent; the relay's bounce tells the list owner.
            to = list(self._settings.to)
            raw, options = _wire(message, self._sender, to, smtp)
            smtp.sendmail(self._sender, to, raw, options)
        return str(message["Message-ID"])

    def close(self) -> None:
        """End the run's SMTP session, if one was opened."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    # --- the connection ----------------------------------------------------------------------

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self._open()
        return self._smtp

    def _open(self) -> smtplib.SMTP:
        s = self._settings
        context = self._context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=SMTP_TIMEOUT)
        try:
            smtp.ehlo()
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise PermanentError(
                        f"the SMTP relay {s.host}:{s.port} does not offer STARTTLS: refusing to "
                        'send in clear (security = "tls" for port 465)'
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if self._login is not None:
                self._log_in(smtp)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _log_in(self, smtp: smtplib.SMTP) -> None:
        assert self._login is not None
        try:
            smtp.login(*self._login)
        except smtplib.SMTPAuthenticationError as exc:
            # The reply text is left out: a relay may quote what it was sent.
            if 400 <= exc.smtp_code < 500:
                raise TransientError(
                    f"the SMTP relay could not log in now ({exc.smtp_code})"
                ) from None
            raise PermanentError(
                f"the SMTP relay refused the login ({exc.smtp_code}): check the "
                f"{' and '.join(CREDENTIALS)} secrets"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise PermanentError(
                "the SMTP relay offers no login (AUTH) here: unset SMTP_USERNAME and "
                "SMTP_PASSWORD if it relays by address"
            ) from None

    @contextmanager
    def _mapped(self) -> Iterator[None]:
        """Failures as `Target` failures; a connection that failed (anything but a
        refusal of this one message) is dropped, so the next attempt reconnects."""
        try:
            with _translated(f"{self._settings.host}:{self._settings.port}"):
                yield
        except Refused:
            raise  # smtplib sent RSET: the session can take the next message
        except (PermanentError, TransientError):
            self._drop()
            raise

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()


@contextmanager
def _translated(where: str) -> Iterator[None]:
    """Every smtplib, ssl and socket failure as a `Target` failure, raised from None."""
    try:
        yield
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        said = "; ".join(
            f"{addr} ({code} {_text(text)})" for addr, (code, text) in exc.recipients.items()
        )
        if all(code >= 500 for code in codes):
            raise Refused(f"the SMTP relay refused every recipient: {said}") from None
        raise TransientError(f"the SMTP relay deferred the recipients: {said}") from None
    except smtplib.SMTPSenderRefused as exc:
        reply = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if exc.smtp_code == 530:
            # RFC 4954: "authentication required", the answer to MAIL FROM.
            raise PermanentError(
                f"the SMTP relay wants a login ({reply}): set the "
                f"{' and '.join(CREDENTIALS)} secrets"
            ) from None
        if exc.smtp_code >= 500:
            raise PermanentError(
                f"the SMTP relay refused the sender {exc.sender} ({reply}): check from"
            ) from None
        raise TransientError(f"the SMTP relay deferred the sender ({reply})") from None
    except smtplib.SMTPDataError as exc:
        reply = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if exc.smtp_code >= 500:
            raise Refused(f"the SMTP relay refused the message ({reply})") from None
        raise TransientError(f"the SMTP relay deferred the message ({reply})") from None
    except smtplib.SMTPNotSupportedError:
        raise Refused("the SMTP relay cannot take this message (no SMTPUTF8)") from None
    except smtplib.SMTPServerDisconnected:
        raise TransientError(f"the SMTP relay {where} closed the connection") from None
    except smtplib.SMTPResponseException as exc:
        reply = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if exc.smtp_code >= 500:
            raise PermanentError(f"the SMTP relay {where} refused us ({reply})") from None
        raise TransientError(f"the SMTP relay {where} is busy ({reply})") from None
    except ssl.SSLCertVerificationError as exc:
        raise PermanentError(
            f"the SMTP relay {where}'s certificate is not trusted ({exc.verify_message})"
        ) from None
    except TimeoutError:
        raise TransientError(
            f"the SMTP relay {where} did not answer in time (timeout {SMTP_TIMEOUT:g} s)"
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientError(
            f"could not talk to the SMTP relay {where} ({type(exc).__name__})"
        ) from None


# --- the message (pure: tests and --dry-run call it) ----------------------------------------


def message_id(post: Post, sender: str) -> str:
    """``<digest@domain>``: the same event from the same sender always gets the same id."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "statusgen.invalid"
    identity = post.key or post.text
    # 128 bits, and short: "In-Reply-To: <id>" then fits one header line for a
    # domain of up to 30 characters, and unfolded ids are what every client matches.
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def subject(post: Post) -> str:
    """``[Status] Investigating: Email delays``; a post without fields: its first line."""
    status, title = post.fields.get("status", ""), post.fields.get("title", "")
    words = ": ".join(part for part in (status, title) if part)
    if not words:
        words = post.text.strip().splitlines()[0] if post.text.strip() else "Update"
    pattern = post.labels.get("subject") or "[Status] {words}"
    return pattern.replace("{words}", words)


def build_message(post: Post, reply_to: str | None, settings: EmailConfig) -> EmailMessage:
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.to)
    message["Subject"] = subject(post)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(post, settings.sender)
    # A reply_to that is no Message-ID (a ledger written by something else) is
    # left out rather than put in a header as it is.
    if reply_to and _MESSAGE_ID.fullmatch(reply_to):
        message["In-Reply-To"] = reply_to
        message["References"] = reply_to
    message["Auto-Submitted"] = "auto-generated"
    # Exchange's own way to say the same: no out-of-office or read receipts.
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(post.text)
    message.add_alternative(html_part(post.text, post.language), subtype="html")
    if post.language:  # RFC 3282 (after the parts: set_content drops Content-* headers)
        message["Content-Language"] = post.language
    return message


def _wire(
    message: EmailMessage, sender: str, to: list[str], smtp: smtplib.SMTP
) -> tuple[bytes, tuple[str, ...]]:
    """The bytes and MAIL options `smtp.send_message` would use, less its mbox
    quoting: its generator has no policy, so every line starting "From "
    reaches readers as ">From January every account ..."; a relay delivers
    DATA as it is and quotes nothing."""
    international = not "".join([sender, *to]).isascii()
    if international and not smtp.has_extn("smtputf8"):
        raise smtplib.SMTPNotSupportedError("an address needs SMTPUTF8")
    policy = message.policy.clone(utf8=True) if international else message.policy
    options = ("SMTPUTF8", "BODY=8BITMIME") if international else ()
    return message.as_bytes(policy=policy), options  # as_bytes: no quoting, CRLF


def html_part(text: str, language: str = "") -> str:
    """`text` as HTML: escaped, paragraphs at blank lines, line breaks kept, URLs linked;
    `language` (a BCP 47 tag) its ``<html lang>``."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    body = "\n".join(
        "<p>" + "<br>\n".join(_linked(line) for line in p.splitlines()) + "</p>" for p in paragraphs
    )
    head = _HTML_HEAD
    if language:
        head = head.replace("<html>", f'<html lang="{html.escape(language)}">')
    return f"{head}{body}\n</body></html>\n"


def _linked(line: str) -> str:
    out: list[str] = []
    end = 0
    for match in _URL.finditer(line):
        url = match.group().rstrip(_URL_TAIL)
        out.append(html.escape(line[end : match.start()]))
        out.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>')
        end = match.start() + len(url)
    out.append(html.escape(line[end:]))
    return "".join(out)


# --- helpers -------------------------------------------------------------------------------


def _settings_problem(settings: EmailConfig) -> str:
    if not settings.to:
        return "to names no recipient"
    if any("@" not in addr for _, addr in getaddresses(list(settings.to))):
        return "to holds something that is not an address"
    sender = parseaddr(settings.sender)[1]
    if "@" not in sender or not sender.rpartition("@")[2]:
        return 'from is not an address ("IT Services status <status@example.ac.uk>")'
    if not settings.host:
        return "host is not set"
    if settings.security not in SECURITY:
        return f"security {settings.security!r} is not one of {', '.join(SECURITY)}"
    if settings.security == "none" and settings.host not in LOCAL_HOSTS:
        return 'security = "none" is only for 127.0.0.1 or localhost (use starttls or tls)'
    if not 0 < settings.port < 65536:
        return f"port {settings.port} is not a port number"
    return ""


def _text(reply: bytes | str) -> str:
    """An SMTP reply's text on one bounded line."""
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    said = " ".join(reply.split())
    return said if len(said) <= 200 else said[:199] + "…"
