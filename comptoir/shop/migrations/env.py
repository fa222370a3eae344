"""Alembic environment of the shop database (run through ``comptoir db upgrade``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from comptoir.shop.models import ShopBase

config = context.config
url = config.get_main_option("sqlalchemy.url")
engine = create_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=ShopBase.metadata,
        version_table="shop_alembic_version",
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
