"""Where e-mails go: an SMTP server, or, with none configured, ``.eml`` files in ``outbox/``.

Both take the e-mail's bytes as the log keeps them. The SMTP password is read
from the environment variable the configuration names, at connection time, and
is never logged, written or put in a message (an error says which variable,
never its value).
"""

from __future__ import annotations

import errno
import logging
import os
import smtplib
import socket
import ssl
from pathlib import Path
from typing import Protocol

from capsync.atomic import write_bytes_atomic
from capsync.campaign.config import Smtp, SmtpSecurity
from capsync.errors import CapsyncError, os_reason

log = logging.getLogger("capsync")

OUTBOX_DIR = "outbox"


class MailError(CapsyncError):
    """A message could not be delivered; ``server_down`` when no message can be now."""

    def __init__(self, message: str, *, server_down: bool = False) -> None:
        super().__init__(message)
        self.server_down = server_down


class Transport(Protocol):
    """Delivers one e-mail."""

    @property
    def where(self) -> str:
        """Where messages go, in French, for the CLI."""
        ...

    def send(self, name: str, content: bytes, sender: str, recipient: str) -> None:
        """Deliver; ``name`` is a stable file name for the message. Raise MailError."""
        ...

    def close(self) -> None: ...


class OutboxTransport:
    """Each message as a standard ``.eml`` file, named by its key: sent twice, written once."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = Path(data_dir) / OUTBOX_DIR

    @property
    def where(self) -> str:
        return f"le dossier {self.folder}"

    def send(self, name: str, content: bytes, sender: str, recipient: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(self.folder / f"{name}.eml", content)
        except OSError as exc:
            raise MailError(
                f"Écriture impossible dans {self.folder} ({os_reason(exc)}).", server_down=True
            ) from exc

    def close(self) -> None:
        return None


class SmtpTransport:
    """One SMTP connection for a run, opened at the first message (STARTTLS, SSL or plain)."""

    def __init__(self, settings: Smtp) -> None:
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"le serveur {self.settings.host}:{self.settings.port}"

    def _password(self) -> str:
        password = os.environ.get(self.settings.password_env)
        if not password:
            raise MailError(
                f"Mot de passe SMTP absent : la variable d'environnement "
                f"{self.settings.password_env} est vide ou non définie.",
                server_down=True,
            )
        return password

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.security == SmtpSecurity.SSL:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout_seconds, context=context
            )
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
        try:
            if s.security == SmtpSecurity.STARTTLS:
                client.starttls(context=context)
            if s.user:
                client.login(s.user, self._password())
        except BaseException:
            client.close()
            raise
        return client

    def send(self, name: str, content: bytes, sender: str, recipient: str) -> None:
        try:
            if self.client is None:
                self.client = self._connect()
            self.client.sendmail(sender, [recipient], content)
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailError(f"Adresse {recipient} refusée par le serveur ({_why(exc)}).") from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(
                f"Authentification refusée par {self.where} pour l'utilisateur "
                f"{self.settings.user} ({exc.smtp_code}).",
                server_down=True,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise MailError(
                f"Envoi impossible par {self.where} ({_why(exc)}) : nouvel essai au prochain "
                "cycle.",
                server_down=True,
            ) from exc

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None


def _why(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [
            f"{code} {text.decode(errors='replace')}" for code, text in exc.recipients.values()
        ]
        return "; ".join(codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        return f"{exc.smtp_code} {text}"
    return _network_reason(exc)


def _network_reason(exc: BaseException) -> str:
    """Why the connection failed, in French: Python says it in English (« [Errno 111]
    Connection refused »), which an admin reads in the status and in the admins' mail."""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "connexion fermée par le serveur"
    if isinstance(exc, socket.gaierror):
        return "nom de serveur introuvable ; vérifiez mail.smtp.host"
    if isinstance(exc, ssl.SSLError):
        return "connexion chiffrée refusée ; vérifiez mail.smtp.security et le port"
    if isinstance(exc, TimeoutError):
        return "le serveur ne répond pas (délai dépassé)"
    if isinstance(exc, OSError) and exc.errno in _NETWORK:
        return _NETWORK[exc.errno]
    if isinstance(exc, OSError) and exc.errno:
        return os_reason(exc)
    return f"erreur {type(exc).__name__}"


_NETWORK = {
    errno.ECONNREFUSED: "connexion refusée : serveur arrêté ou port fermé ; vérifiez mail.smtp",
    errno.ECONNRESET: "connexion coupée par le serveur",
    errno.EHOSTUNREACH: "serveur injoignable",
    errno.ENETUNREACH: "réseau injoignable",
    errno.ETIMEDOUT: "le serveur ne répond pas (délai dépassé)",
}


def open_transport(smtp: Smtp | None, data_dir: Path) -> Transport:
    """The SMTP server of the configuration, or the outbox folder when it names none."""
    return SmtpTransport(smtp) if smtp is not None else OutboxTransport(data_dir)
