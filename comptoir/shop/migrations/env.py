"""Alembic environment of the shop database (run through ``comptoir db upgrade``)."""

from __future__ import annotations

from comptoir.alembic_env import run_migrations
from comptoir.shop.models import ShopBase

run_migrations(ShopBase.metadata, "shop_alembic_version")
