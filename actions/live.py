"""The shop's platform, asked before the conversation reads an order.

With a connector (``shop_connector``), the shop database is a cache of the platform:
``refreshed`` brings one order up to date (``comptoir.shop.live_orders``) before an
action verifies, describes or returns it. When the platform cannot be asked (down, too
slow, key refused), the shopper hears so plainly, with the button to reach a person,
and the failure is logged without any credential. It is not a failed proof: no
verification attempt is recorded, so the limits only ever count the shopper's tries.
"""

from __future__ import annotations

import logging

from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.i18n import agent_button
from comptoir import message_kinds as kinds
from comptoir.shop import order_wording as say
from comptoir.shop.connectors.base import ConnectorError
from comptoir.shop.verification import mask_order_number

log = logging.getLogger(__name__)


async def refreshed(dispatcher: CollectingDispatcher, number: str, language: str) -> bool:
    """True when the order may be read from the shop database now (up to date, or no
    connector, or unknown to the platform); False once the shopper was told the
    platform cannot be asked."""
    try:
        await services.live_orders().refresh(number)
    except ConnectorError as error:
        log.warning(
            "order %s could not be looked up on the platform: %s",
            mask_order_number(number),
            error,
        )
        dispatcher.utter_message(
            text=say.PLATFORM_UNAVAILABLE(language),
            buttons=[agent_button(language)],
            json_message={"kind": kinds.ORDER_LOOKUP_UNAVAILABLE},
        )
        return False
    return True
