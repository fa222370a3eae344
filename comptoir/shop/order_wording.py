"""What the bot says while it checks who owns an order, in French and English.

Nothing about an order is said before the shopper proves it is theirs; these are the
sentences of that check (``actions/orders.py`` chooses when). The answer about a
verified order itself is worded in ``describe.py``.
"""

from __future__ import annotations

from comptoir.i18n import Bilingual

# ``example``: a number in the shop's numbering (``numbers.EXAMPLES``), e.g. CMD-10001.
BAD_NUMBER = Bilingual(
    "Je n'ai pas reconnu de numéro de commande. Il ressemble à {example} et figure dans "
    "l'e-mail de confirmation.",
    "I couldn't find an order number there. It looks like {example} and is in your "
    "confirmation email.",
)
# The shop's platform (connector) is down, too slow or refuses Comptoir's key.
PLATFORM_UNAVAILABLE = Bilingual(
    "Je n'arrive pas à consulter votre commande pour le moment : le système de la boutique "
    "ne répond pas. Réessayez dans quelques minutes, ou un conseiller peut prendre le relais.",
    "I can't look your order up right now: the shop's system isn't answering. Please try "
    "again in a few minutes, or an agent can take over.",
)
REJECTED = Bilingual(
    "Je ne retrouve pas de commande correspondant à ces informations. Vérifions "
    "ensemble : quel est le numéro de commande ?",
    "I can't find an order matching these details. Let's check again: what is the order number?",
)
# The proof asked for, as the shop configured it (``order_proof``).
ASK_EMAIL = Bilingual(
    "Merci. Pour protéger vos données, indiquez-moi l'adresse e-mail utilisée pour la commande.",
    "Thank you. To protect your data, please give me the email address used for the order.",
)
ASK_EMAIL_OR_POSTCODE = Bilingual(
    "Merci. Pour protéger vos données, indiquez-moi l'adresse e-mail utilisée pour la "
    "commande, ou bien le code postal de livraison avec le nom de famille ou le montant "
    "de la commande (par exemple « 75011 Martin »).",
    "Thank you. To protect your data, please give me the email address used for the "
    "order, or the delivery postcode with the surname or the order's total (for "
    "example “SW1A 1AA Wilson”).",
)
ASK_DETAIL = Bilingual(
    "Merci. Et le nom de famille indiqué sur la commande, ou son montant total ?",
    "Thank you. And the surname on the order, or its total amount?",
)
# The same sentence whatever limit stopped the requester: it says nothing of the order.
LOCKED = Bilingual(
    "Pour protéger les données de nos clients, je ne peux plus vérifier de commande pour "
    "vous pour le moment. Un conseiller peut vous aider.",
    "To protect our customers' data, I can no longer check orders for you for now. An "
    "agent can help you.",
)
PAUSED = Bilingual(
    "Par précaution, la vérification des commandes est suspendue quelques instants pour "
    "tout le monde. Un conseiller peut vous aider dès maintenant.",
    "As a precaution, order checks are paused for everyone for a little while. An agent "
    "can help you right now.",
)
SIGN_IN_FIRST = Bilingual(
    "Pour protéger vos données, je ne donne le suivi d'une commande qu'une fois connecté "
    "à votre compte sur la boutique : connectez-vous, puis écrivez-moi à nouveau ici. "
    "Vous pouvez aussi parler à un conseiller.",
    "To protect your data, I can only give an order's status once you are signed in to "
    "your account on the shop: sign in, then write to me again here. You can also talk "
    "to an agent.",
)
NOT_IN_ACCOUNT = Bilingual(
    "Je ne retrouve pas cette commande parmi celles de votre compte. Si elle a été passée "
    "avec une autre adresse e-mail, un conseiller peut vous aider.",
    "I can't find this order among your account's orders. If it was placed with another "
    "email address, an agent can help you.",
)
PICK_ORDER = Bilingual(
    "Voici vos dernières commandes : laquelle voulez-vous suivre ?",
    "Here are your latest orders: which one would you like to follow?",
)
FIND_ORDER_FIRST = Bilingual(
    "Je dois d'abord retrouver votre commande.", "First I need to find your order."
)
OPEN_INQUIRY = Bilingual("Oui, ouvrir une enquête", "Yes, open an inquiry")
# A return step that does not hold when re-checked against the database (a forged
# choice, an order not proved in this conversation, a policy changed meanwhile).
RETURN_NOT_RECORDED = Bilingual(
    "Je ne peux pas enregistrer cette demande telle quelle : elle ne correspond pas à ce "
    "que je peux proposer pour cette commande aujourd'hui. Vous pouvez recommencer la "
    "demande, ou un conseiller peut vous aider.",
    "I can't record this request as it is: it doesn't match what I can offer for this "
    "order today. You can start the request again, or an agent can help you.",
)
