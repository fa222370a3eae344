"""Connectors to the shop's platform: one module per platform, chosen by ``shop_connector``.

``local`` (the default) has none: orders come from ``comptoir orders import`` only.
The others look orders up live and list the updated ones (docs/connectors.md).
"""

from __future__ import annotations

from importlib import import_module

from comptoir.settings import Settings
from comptoir.shop.connectors.base import Connector

#: ``shop_connector`` -> "module:class"; imported only when chosen.
REGISTRY: dict[str, str] = {
    "http": "comptoir.shop.connectors.own_api:OwnApiConnector",
    "woocommerce": "comptoir.shop.connectors.woocommerce:WooCommerceConnector",
    "prestashop": "comptoir.shop.connectors.prestashop:PrestaShopConnector",
    "shopify": "comptoir.shop.connectors.shopify:ShopifyConnector",
}


def connector_class(name: str) -> type[Connector]:
    """The class of the connector called ``name`` (KeyError when there is none)."""
    module, _, attribute = REGISTRY[name].partition(":")
    return getattr(import_module(module), attribute)


def connector_for(settings: Settings) -> Connector | None:
    """The connector the settings choose; None for ``local`` (the shop database only).

    Raises ``ConnectorNotConfigured`` when its address is missing.
    """
    if settings.shop_connector == "local":
        return None
    return connector_class(settings.shop_connector)(settings)
