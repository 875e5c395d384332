"""A composed message → a standard RFC 5322 e-mail (bytes), the same for SMTP and ``outbox/``.

The Message-ID is derived from the message's once-only key, so a message sent
twice (a crash between sending and recording it) carries the same Message-ID
both times and mail programs that de-duplicate show it once. Text is UTF-8,
quoted-printable (readable in an editor, safe through any relay); headers with
accents are RFC 2047-encoded by the standard library. The ``Date`` is an aware
time: a naive clock is the server's local time (``datetime.now()``), which is not
Paris time on a server that runs on UTC.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from urllib.parse import quote

from capsync.layout.messages import Message

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PDF = ("application", "pdf")


def message_id(key: str, sender: str) -> str:
    """``<hash-of-key@sender-domain>``: stable for a key, unique across keys."""
    domain = sender.rsplit("@", 1)[-1]
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def build_email(
    message: Message,
    *,
    sender: str,
    sender_name: str,
    now: dt.datetime,
    attachments: Mapping[str, bytes] | None = None,
) -> EmailMessage:
    """The e-mail of ``message``; ``now`` naive is the server's local time."""
    email = EmailMessage(policy=SMTP)
    user, _, domain = sender.partition("@")
    email["From"] = Address(sender_name, user, domain)
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now if now.tzinfo else now.astimezone())  # naive: local
    email["Message-ID"] = message_id(message.key, sender)
    if message.reply_to:
        email["Reply-To"] = message.reply_to
        unsubscribe = quote(f"désinscription {message.approach}")
        email["List-Unsubscribe"] = f"<mailto:{message.reply_to}?subject={unsubscribe}>"
    email["Auto-Submitted"] = "auto-generated"
    email["X-Capsync-Key"] = message.key
    email.set_content(message.body, charset="utf-8", cte="quoted-printable")
    for attachment in message.attachments:
        content = (attachments or {}).get(attachment.filename)
        if content is None:
            continue
        maintype, subtype = PDF if attachment.filename.endswith(".pdf") else XLSX
        email.add_attachment(
            content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return email
