"""EmailTarget against real aiosmtpd servers on 127.0.0.1: plain, STARTTLS with AUTH, TLS."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from statusgen.model import EmailConfig
from statusgen.publish.compose import Post
from statusgen.publish.targets import PermanentError, Refused, TransientError
from statusgen.publish.targets.email import (
    CREDENTIALS,
    EmailTarget,
    html_part,
    message_id,
    offline_limit,
    secret_names,
)

SENDER = "IT Services status <status@example.ac.uk>"
LIST = "it-status-announce@lists.example.ac.uk"
LINK = "https://status.example.ac.uk/incidents/2026-11-22-email-delays/"
FIELDS = {
    "status": "Investigating",
    "title": "Email delays",
    "services": "Email and Webmail",
    "message": "Mail is arriving up to 30 minutes late.",
    "link": LINK,
    "reference": "",
    "summary": "",
    "window": "",
}
TEXT = (
    "Investigating: Email delays\nAffected: Email and Webmail\n"
    f"Mail is arriving up to 30 minutes late.\n{LINK}"
)
OPENED = Post(TEXT, False, len(TEXT), "incidents/2026-11-22-email-delays#first", "opened", FIELDS)
UPDATE_TEXT = "Update on Email delays (Email and Webmail)\nMonitoring: fix <deployed> & holding."
UPDATE = Post(
    UPDATE_TEXT,
    True,
    len(UPDATE_TEXT),
    "incidents/2026-11-22-email-delays#update:1",
    "updated",
    {**FIELDS, "status": "Monitoring", "link": ""},
)
PASSWORD = "SENTINEL-PASSWORD"
LOGIN = {"SMTP_USERNAME": "statusbot", "SMTP_PASSWORD": PASSWORD}


# --- servers -------------------------------------------------------------------------------


@dataclass
class Keeper:
    """An aiosmtpd handler that keeps what it is given, and refuses on cue."""

    messages: list[tuple[tuple[str, int], str, list[str], bytes]] = field(default_factory=list)
    peers: set[tuple[str, int]] = field(default_factory=set)
    """The client address of each connection that named a recipient."""
    defer_data: int = 0
    """How many DATA commands to answer 451 before accepting."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.peers.add(session.peer)
        if address.startswith("nobody@"):
            return "550 5.1.1 <nobody@example.ac.uk>: no such user"
        if address.startswith("later@"):
            return "450 4.2.1 mailbox busy"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.defer_data:
            self.defer_data -= 1
            return "451 4.3.0 try again later"
        self.messages.append(
            (session.peer, envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 OK queued"

    def parsed(self, index: int) -> email.message.EmailMessage:
        # aiosmtpd keeps the CRLF line ends of the wire; the parser wants the local ones.
        raw = self.messages[index][3].replace(b"\r\n", b"\n")
        return email.message_from_bytes(raw, policy=email.policy.default)

    @property
    def connections(self) -> int:
        return len(self.peers)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def check_login(server, session, envelope, mechanism, auth_data):
    good = auth_data.login == b"statusbot" and auth_data.password == PASSWORD.encode()
    # handled=False: aiosmtpd answers 535 itself (True would mean "already answered").
    return AuthResult(success=good, handled=False)


@pytest.fixture
def server() -> Iterator[tuple[Keeper, int]]:
    """A relay with no TLS and no login (as on campus, relaying by address)."""
    keeper = Keeper()
    port = free_port()
    controller = Controller(keeper, hostname="127.0.0.1", port=port)
    controller.start()
    yield keeper, port
    controller.stop()


def settings(port: int = 25, security: str = "none", **kw) -> EmailConfig:
    values = dict(to=(LIST,), sender=SENDER, host="127.0.0.1", port=port, security=security)
    values.update(kw)  # a test may override the port too
    return EmailConfig(enabled=True, **values)


@pytest.fixture
def target(server) -> Iterator[EmailTarget]:
    made = EmailTarget.from_config(settings(server[1]), {})
    yield made
    made.close()


# --- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"to": ()}, "publish.email: to names no recipient"),
        (
            {"sender": "IT status"},
            'publish.email: from is not an address ("IT Services status <status@example.ac.uk>")',
        ),
        ({"host": ""}, "publish.email: host is not set"),
        (
            {"security": "ssl"},
            "publish.email: security 'ssl' is not one of starttls, tls, none",
        ),
        (
            {"host": "smtp.example.ac.uk"},
            'publish.email: security = "none" is only for 127.0.0.1 or localhost '
            "(use starttls or tls)",
        ),
        ({"port": 0, "security": "tls"}, "publish.email: port 0 is not a port number"),
    ],
)
def test_bad_settings(changes: dict, message: str) -> None:
    with pytest.raises(PermanentError) as caught:
        EmailTarget.from_config(settings(**{"port": 25, **changes}), {})
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"SMTP_USERNAME": "statusbot"},
            "publish.email: SMTP_USERNAME is set but SMTP_PASSWORD is not",
        ),
        (
            {"SMTP_PASSWORD": PASSWORD},
            "publish.email: SMTP_PASSWORD is set but SMTP_USERNAME is not",
        ),
    ],
)
def test_half_a_login_is_refused_by_name(env: dict, message: str) -> None:
    with pytest.raises(PermanentError) as caught:
        EmailTarget.from_config(settings(25), env)
    assert str(caught.value) == message


def test_facts_and_repr() -> None:
    made = EmailTarget.from_config(settings(2525), LOGIN)
    assert (made.name, made.label, made.threads) == ("email", "e-mail", True)
    assert repr(made) == "EmailTarget(host='127.0.0.1', port=2525, security='none')"
    assert PASSWORD not in repr(vars(made).keys())
    assert secret_names(settings(25)) == CREDENTIALS == ("SMTP_USERNAME", "SMTP_PASSWORD")
    assert offline_limit(settings(25)) == made.limit == 10000


# --- messages ------------------------------------------------------------------------------


def test_message_headers_parts_and_envelope(server, target) -> None:
    keeper, _ = server
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    sent_id = target.send(OPENED, None)
    assert sent_id == message_id(OPENED, SENDER)
    assert re.fullmatch(r"<[0-9a-f]{32}@example\.ac\.uk>", sent_id)
    ((_, mail_from, rcpt, _),) = keeper.messages
    assert (mail_from, rcpt) == ("status@example.ac.uk", [LIST])
    mail = keeper.parsed(0)
    assert mail["From"] == SENDER
    assert mail["To"] == LIST
    assert mail["Subject"] == "[Status] Investigating: Email delays"
    assert mail["Message-ID"] == sent_id
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Auto-Response-Suppress"] == "All"
    assert mail["In-Reply-To"] is None and mail["References"] is None
    assert mail["List-Unsubscribe"] is None  # the list's job
    assert before <= mail["Date"].datetime <= dt.datetime.now(dt.UTC)
    assert mail.get_content_type() == "multipart/alternative"
    plain, rich = mail.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert plain.get_content().rstrip("\n") == TEXT
    assert rich.get_content_type() == "text/html"
    assert rich.get_content() == html_part(TEXT)
    assert f'<a href="{LINK}">{LINK}</a>' in rich.get_content()


def test_updates_thread_under_the_first_message(server, target) -> None:
    keeper, _ = server
    first = target.send(OPENED, None)
    second = target.send(UPDATE, first)
    assert second != first
    mail = keeper.parsed(1)
    assert mail["In-Reply-To"] == first
    assert mail["References"] == first
    assert mail["Subject"] == "[Status] Monitoring: Email delays"
    _, rich = mail.iter_parts()
    assert "fix &lt;deployed&gt; &amp; holding." in rich.get_content()


def test_a_reply_to_that_is_no_message_id_is_left_out(server, target) -> None:
    keeper, _ = server
    target.send(UPDATE, "1001")
    assert keeper.parsed(0)["In-Reply-To"] is None


def test_message_ids_are_deterministic_per_event_and_sender() -> None:
    assert message_id(OPENED, SENDER) == message_id(OPENED, "other <status@example.ac.uk>")
    assert message_id(OPENED, SENDER) != message_id(UPDATE, SENDER)
    assert message_id(OPENED, SENDER) != message_id(OPENED, "status@it.example.org")


def test_non_ascii_title_and_emoji(server, target) -> None:
    keeper, _ = server
    fields = {**FIELDS, "title": "Café Wi-Fi 📶 down"}
    text = "Investigating: Café Wi-Fi 📶 down\nhttps://status.example.ac.uk/x/."
    target.send(Post(text, False, len(text), "incidents/café#first", "opened", fields), None)
    mail = keeper.parsed(0)
    assert mail["Subject"] == "[Status] Investigating: Café Wi-Fi 📶 down"
    plain, rich = mail.iter_parts()
    assert plain.get_content().rstrip("\n") == text
    # The sentence's full stop stays out of the link.
    assert '<a href="https://status.example.ac.uk/x/">https://status.example.ac.uk/x/</a>.' in (
        rich.get_content()
    )


def test_a_line_starting_with_from_arrives_as_written(server, target) -> None:
    """smtplib's send_message quotes it as in an mbox (">From"); a relay does not."""
    keeper, _ = server
    text = "MFA for all staff\nFrom January every staff account needs MFA."
    target.send(Post(text, False, len(text), "news/2026-11-20-mfa#first", "news", FIELDS), None)
    assert b">From" not in keeper.messages[0][3]
    plain, rich = keeper.parsed(0).iter_parts()
    assert plain.get_content().rstrip("\n") == text
    assert "<br>\nFrom January every" in rich.get_content()


def test_html_part_escapes_and_keeps_paragraphs() -> None:
    assert html_part("A <b> & c\nnext\n\nhttps://e.example/?a=1&b=2 end") == (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n<body>\n'
        "<p>A &lt;b&gt; &amp; c<br>\nnext</p>\n"
        '<p><a href="https://e.example/?a=1&amp;b=2">https://e.example/?a=1&amp;b=2</a> end</p>\n'
        "</body></html>\n"
    )


def test_one_connection_for_a_run(server) -> None:
    keeper, port = server
    target = EmailTarget.from_config(settings(port), {})
    for post in (OPENED, UPDATE, OPENED):
        target.send(post, None)
    assert len(keeper.messages) == 3 and keeper.connections == 1
    target.close()
    target.close()  # closing twice is harmless
    target.send(UPDATE, None)
    target.close()
    assert keeper.connections == 2


# --- failures ------------------------------------------------------------------------------


def test_a_deferred_message_is_transient_and_the_next_try_reconnects(server, target) -> None:
    keeper, _ = server
    keeper.defer_data = 1
    with pytest.raises(TransientError) as caught:
        target.send(OPENED, None)
    assert str(caught.value) == "the SMTP relay deferred the message (451 4.3.0 try again later)"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    target.send(OPENED, None)
    assert len(keeper.messages) == 1 and keeper.connections == 2


def test_every_recipient_refused_refuses_this_message_only(server) -> None:
    keeper, port = server
    target = EmailTarget.from_config(settings(port, to=("nobody@example.ac.uk",)), {})
    with pytest.raises(Refused) as caught:
        target.send(OPENED, None)
    assert str(caught.value) == (
        "the SMTP relay refused every recipient: nobody@example.ac.uk "
        "(550 5.1.1 <nobody@example.ac.uk>: no such user)"
    )
    with pytest.raises(Refused):
        target.send(UPDATE, None)
    target.close()
    # smtplib reset the session after the refusal: the second message used it too.
    assert keeper.messages == [] and keeper.connections == 1


def test_a_deferred_recipient_is_transient(server) -> None:
    _, port = server
    target = EmailTarget.from_config(settings(port, to=("later@example.ac.uk",)), {})
    with pytest.raises(TransientError, match=r"deferred the recipients: later@example.ac.uk \(450"):
        target.send(OPENED, None)


def test_some_recipients_refused_still_sends(server) -> None:
    keeper, port = server
    target = EmailTarget.from_config(settings(port, to=(LIST, "nobody@example.ac.uk")), {})
    target.send(OPENED, None)
    target.close()
    assert keeper.messages[0][2] == [LIST]


def test_no_relay_listening_is_transient() -> None:
    target = EmailTarget.from_config(settings(free_port()), {})
    with pytest.raises(TransientError) as caught:
        target.send(OPENED, None)
    assert str(caught.value).startswith("could not talk to the SMTP relay 127.0.0.1:")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_starttls_is_required_when_configured(server) -> None:
    """The relay offers no STARTTLS: nothing is sent in clear."""
    keeper, port = server
    target = EmailTarget.from_config(settings(port, "starttls"), LOGIN)
    with pytest.raises(PermanentError) as caught:
        target.send(OPENED, None)
    assert not isinstance(caught.value, Refused)
    assert str(caught.value) == (
        f"the SMTP relay 127.0.0.1:{port} does not offer STARTTLS: refusing to send in clear "
        '(security = "tls" for port 465)'
    )
    assert keeper.messages == []


# --- TLS: a certificate authority and a server certificate made in the test -----------------


@dataclass(frozen=True)
class Certs:
    ca: Path
    chain: Path
    key: Path

    def client(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def server(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(self.chain), str(self.key))
        return context


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Certs:
    """A CA and a 127.0.0.1 certificate it signed (what trustme makes), with the
    extensions strict verification wants."""
    pytest.importorskip("cryptography")
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = tmp_path_factory.mktemp("certs")
    now = dt.datetime.now(dt.UTC)

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("statusgen test CA"))
        .issuer_name(name("statusgen test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "chain.pem").write_bytes(leaf.public_bytes(pem))
    (folder / "key.pem").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return Certs(folder / "ca.pem", folder / "chain.pem", folder / "key.pem")


@pytest.fixture
def submission(certs) -> Iterator[tuple[Keeper, int]]:
    """Port 587 as a university gives it: STARTTLS required, then AUTH."""
    keeper = Keeper()
    port = free_port()
    controller = Controller(
        keeper,
        hostname="127.0.0.1",
        port=port,
        tls_context=certs.server(),
        require_starttls=True,
        authenticator=check_login,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    yield keeper, port
    controller.stop()


def test_starttls_and_login(submission, certs) -> None:
    keeper, port = submission
    target = EmailTarget.from_config(settings(port, "starttls"), LOGIN, context=certs.client())
    first = target.send(OPENED, None)
    target.send(UPDATE, first)
    target.close()
    assert len(keeper.messages) == 2 and keeper.connections == 1
    assert keeper.parsed(1)["In-Reply-To"] == first


def test_a_wrong_password_stops_and_is_never_shown(submission, certs, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    keeper, port = submission
    env = {"SMTP_USERNAME": "statusbot", "SMTP_PASSWORD": "SENTINEL-WRONG"}
    target = EmailTarget.from_config(settings(port, "starttls"), env, context=certs.client())
    with pytest.raises(PermanentError) as caught:
        target.send(OPENED, None)
    message = str(caught.value)
    assert message == (
        "the SMTP relay refused the login (535): check the SMTP_USERNAME and SMTP_PASSWORD secrets"
    )
    for text in (message, repr(caught.value), repr(target), caplog.text):
        assert "SENTINEL" not in text
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert keeper.messages == []


def test_no_login_where_the_relay_wants_one(submission, certs) -> None:
    _, port = submission
    target = EmailTarget.from_config(settings(port, "starttls"), {}, context=certs.client())
    with pytest.raises(PermanentError) as caught:
        target.send(OPENED, None)
    assert str(caught.value) == (
        "the SMTP relay wants a login (530 5.7.0 Authentication required): "
        "set the SMTP_USERNAME and SMTP_PASSWORD secrets"
    )


def test_an_untrusted_certificate_stops(submission) -> None:
    _, port = submission
    target = EmailTarget.from_config(settings(port, "starttls"), LOGIN)  # the system's store
    with pytest.raises(PermanentError) as caught:
        target.send(OPENED, None)
    assert str(caught.value).startswith(
        f"the SMTP relay 127.0.0.1:{port}'s certificate is not trusted ("
    )


def test_implicit_tls(certs) -> None:
    keeper = Keeper()
    port = free_port()
    controller = Controller(keeper, hostname="127.0.0.1", port=port, ssl_context=certs.server())
    controller.start()
    try:
        target = EmailTarget.from_config(settings(port, "tls"), {}, context=certs.client())
        target.send(OPENED, None)
        target.close()
    finally:
        controller.stop()
    assert keeper.parsed(0)["Subject"] == "[Status] Investigating: Email delays"
