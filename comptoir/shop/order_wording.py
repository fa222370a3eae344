"""What the bot says while it checks who owns an order, in French and English.

Nothing about an order is said before the shopper proves it is theirs; these are the
sentences of that check (``actions/orders.py`` chooses when). The answer about a
verified order itself is worded in ``describe.py``.
"""

from __future__ import annotations

from comptoir.i18n import Bilingual

BAD_NUMBER = Bilingual(
    "Je n'ai pas reconnu de numéro de commande. Il ressemble à CMD-10001 et figure dans "
    "l'e-mail de confirmation.",
    "I couldn't find an order number there. It looks like CMD-10001 and is in your "
    "confirmation email.",
)
REJECTED = Bilingual(
    "Je ne retrouve pas de commande correspondant à ces informations. Vérifions "
    "ensemble : quel est le numéro de commande ?",
    "I can't find an order matching these details. Let's check again: what is the order number?",
)
LOCKED = Bilingual(
    "Pour protéger vos données, je ne peux plus vérifier de commande dans cette "
    "conversation. Un conseiller peut vous aider.",
    "To protect your data, I can no longer check orders in this conversation. An "
    "agent can help you.",
)
PICK_ORDER = Bilingual(
    "Voici vos dernières commandes : laquelle voulez-vous suivre ?",
    "Here are your latest orders: which one would you like to follow?",
)
FIND_ORDER_FIRST = Bilingual(
    "Je dois d'abord retrouver votre commande.", "First I need to find your order."
)
OPEN_INQUIRY = Bilingual("Oui, ouvrir une enquête", "Yes, open an inquiry")
