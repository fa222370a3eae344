"""Recipients: which addresses the outbox accepts, and how an address is hidden.

An address reaches the outbox from a shop platform's order or from what a shopper
typed; neither is ours to trust. One with a line break would let its text write
headers of its own (``lea@example.fr\\r\\nBcc: …``) and makes the MIME library refuse
the message outright, so the outbox takes only a single, well-formed address.

Whoever is not an admin sees an address partly hidden (``l•••@example.fr``): in the
outbox list and in the server's own answers, which often quote the recipient
(« 550 5.1.1 <lea@example.fr>: no such user »), and so do the logs, which outlive the
shopper's data and travel to places the shop does not control.
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import HeaderRegistry

from comptoir.desk.mail.message import OutgoingMail

LINE_BREAKS = re.compile(r"[\r\n\x00]")
# Wide on purpose: anything that looks like local@domain in a server's answer is hidden.
_ANY_ADDRESS = re.compile(r"[^\s<>\"'(),;:@\[\]]+@([A-Za-z0-9][A-Za-z0-9.-]*)")
_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")
_registry = HeaderRegistry()


def breaks_a_header(value: str) -> bool:
    """True when ``value`` holds a line break (or NUL): it cannot be one header."""
    return bool(LINE_BREAKS.search(value))


def valid_recipient(value: str) -> bool:
    """One well-formed address (``lea@example.fr`` or ``Léa Martin <lea@example.fr>``),
    no line break, a domain with a dot: what the outbox agrees to store and send to."""
    if not value or breaks_a_header(value) or len(value) > 320:
        return False
    try:
        header = _registry("To", value)
    except (HeaderParseError, ValueError, IndexError):
        return False
    addresses = header.addresses
    if len(addresses) != 1 or header.defects:
        return False
    local, domain = addresses[0].username, addresses[0].domain.lower()
    return bool(local) and " " not in local and bool(_DOMAIN.match(domain))


def masked(address: str) -> str:
    """``lea.martin@example.fr`` → ``l•••@example.fr`` (what an agent sees)."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "•••"
    return f"{local[:1]}•••@{domain}"


def mask_addresses(text: str) -> str:
    """Every address in ``text`` (a server's answer, an error) partly hidden."""
    return _ANY_ADDRESS.sub(lambda found: masked(found.group(0)), text)


def for_log(text: str, limit: int = 80) -> str:
    """``text`` fit for one log line: addresses hidden, line breaks gone, cut short."""
    return mask_addresses(" ".join(text.split()))[:limit]


def unsendable(mail: OutgoingMail) -> str:
    """Why ``mail`` can never be sent (a short reason for the log), "" when it can."""
    if not valid_recipient(mail.to):
        return "not one well-formed address"
    headers = [mail.subject, mail.message_id, mail.in_reply_to or "", *mail.references]
    headers += [mail.unsubscribe_url or "", *mail.extra_headers, *mail.extra_headers.values()]
    if any(breaks_a_header(value) for value in headers):
        return "a line break in a header"
    return ""
