"""The unsubscribe link of every notice: signed, so only its recipient can use it.

The link carries the address and an HMAC of it, keyed by a key derived from
``conversation_secret`` for this one purpose (no new secret for a shop to manage, and
a conversation token can never pass for an unsubscribe signature, nor the reverse). A
forged or altered link is refused: nobody can opt somebody else out by guessing, and
nobody learns from the page whether an address is known.

The pages are tiny and bilingual (the link does not say which language the shopper
reads), and opening the link never unsubscribes by itself: mail scanners open links;
a person presses the button (or the mail client sends RFC 8058's one-click POST).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from html import escape
from urllib.parse import urlencode

from comptoir.desk.mail.message import bare_address
from comptoir.settings import Settings

PATH = "/mail/unsubscribe"
_PURPOSE = b"comptoir:mail-unsubscribe:v1"


def _key(settings: Settings) -> bytes:
    return hmac.new(settings.conversation_secret.encode(), _PURPOSE, hashlib.sha256).digest()


def _signature(settings: Settings, address: str) -> str:
    digest = hmac.new(_key(settings), address.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _encode(address: str) -> str:
    return base64.urlsafe_b64encode(address.encode()).decode().rstrip("=")


def unsubscribe_url(settings: Settings, address: str) -> str:
    """The signed link for ``address``, under ``settings.public_url``."""
    address = bare_address(address)
    query = urlencode({"a": _encode(address), "s": _signature(settings, address)})
    return f"{settings.public_url.rstrip('/')}{PATH}?{query}"


def verified_address(settings: Settings, encoded: str, signature: str) -> str | None:
    """The address a link names, when its signature is ours; None for anything else."""
    try:
        address = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not address or "@" not in address or address != bare_address(address):
        return None
    expected = _signature(settings, address)
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return None
    return address


_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;
color:#222;line-height:1.5}}h1{{font-size:1.3rem}}p.en{{color:#555}}
button{{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#2d4a7a;
color:#fff;cursor:pointer}}</style></head>
<body><main><h1>{shop}</h1>{body}</main></body></html>
"""


def _page(settings: Settings, title: str, body: str) -> str:
    return _PAGE.format(title=escape(title), shop=escape(settings.shop_name), body=body)


def confirm_page(settings: Settings, address: str, action: str) -> str:
    """Asks the shopper to confirm (both languages), with the button that posts back."""
    shown = escape(address)
    body = (
        f"<p>Vous ne recevrez plus nos avis par e-mail (retards de livraison…) "
        f"à l’adresse <strong>{shown}</strong>. Les réponses à vos propres demandes "
        f"vous parviendront toujours.</p>"
        f'<p class="en" lang="en">You will no longer receive our notices by e-mail '
        f"(delivery delays…) at <strong>{shown}</strong>. Answers to your own "
        f"requests will still reach you.</p>"
        f'<form method="post" action="{escape(action)}">'
        f'<button type="submit">Me désabonner · Unsubscribe</button></form>'
    )
    return _page(settings, "Se désabonner · Unsubscribe", body)


def done_page(settings: Settings, address: str) -> str:
    """Says the opt-out is recorded (both languages)."""
    shown = escape(address)
    body = (
        f"<p>C’est fait : l’adresse <strong>{shown}</strong> ne recevra plus nos avis. "
        f"Vous pouvez fermer cette page.</p>"
        f'<p class="en" lang="en">Done: <strong>{shown}</strong> will no longer receive '
        f"our notices. You may close this page.</p>"
    )
    return _page(settings, "Désabonnement enregistré · Unsubscribed", body)


def refused_page(settings: Settings) -> str:
    """A link that is not ours or was cut short: polite, and says what to do."""
    body = (
        "<p>Ce lien de désabonnement n’est pas valide : il a peut-être été coupé ou "
        "modifié. Utilisez le lien complet de l’e-mail reçu, ou répondez simplement à "
        "cet e-mail pour nous le demander.</p>"
        '<p class="en" lang="en">This unsubscribe link is not valid: it may have been cut '
        "short or changed. Please use the full link from the e-mail you received, or "
        "simply reply to that e-mail to ask us.</p>"
    )
    return _page(settings, "Lien non valide · Invalid link", body)
